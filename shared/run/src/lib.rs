//! run: placeholder, being written.
