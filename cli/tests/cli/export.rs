//! export

#[allow(unused_imports)]
use super::*;
