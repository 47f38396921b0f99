//! Media keeper throughput (being written).
fn main() {}
