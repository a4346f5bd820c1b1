//! plot: placeholder, being written.
