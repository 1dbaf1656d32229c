//! Settling a claim however the attempt holding it ends.

use super::{ClaimToken, Deduplicate, KeyDigest, StoreError};

/// A claim held by an attempt: released when dropped before the attempt succeeded (it
/// failed, panicked, ran out of time, or its future was dropped because the caller hung
/// up), completed when dropped after it succeeded but before the completion was recorded.
pub(crate) struct ClaimGuard<'a, D: Deduplicate> {
    dedup: &'a D,
    key: KeyDigest,
    token: ClaimToken,
    stage: Stage,
}

/// How far an attempt got with its claim.
enum Stage {
    /// The work has not succeeded: dropping frees the key.
    Working,
    /// The work succeeded, its completion is not recorded yet: dropping records it.
    Succeeded,
    /// Nothing left to do.
    Recorded,
}

impl<'a, D: Deduplicate> ClaimGuard<'a, D> {
    /// Guards the claim of `key` with `token`.
    pub(crate) fn new(dedup: &'a D, key: KeyDigest, token: ClaimToken) -> Self {
        ClaimGuard { dedup, key, token, stage: Stage::Working }
    }

    /// The work succeeded: records the key done. A failure to record it only risks
    /// doing a retry's work again once the claim's lease ends, which nothing can undo:
    /// it is logged, and the delivery answered as handled.
    pub(crate) async fn succeeded(mut self) {
        self.stage = Stage::Succeeded;
        if let Err(err) = self.dedup.complete(&self.key, self.token).await {
            crate::log::dedup_store_failed(&StoreError::new(self.dedup.store_name(), "complete", err));
        }
        self.stage = Stage::Recorded;
    }
}

impl<D: Deduplicate> Drop for ClaimGuard<'_, D> {
    fn drop(&mut self) {
        match self.stage {
            Stage::Working => self.dedup.release(&self.key, self.token),
            Stage::Succeeded => self.dedup.complete_detached(&self.key, self.token),
            Stage::Recorded => {}
        }
    }
}
