//! tensor: placeholder, being written.
