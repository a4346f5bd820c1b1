//! data: placeholder, being written.
