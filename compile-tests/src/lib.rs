//! Compile tests of `lago_webhooks!`; the cases are in `tests/ui/`.
