//! nn: placeholder, being written.
