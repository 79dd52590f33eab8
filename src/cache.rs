//! A hint to the processor's cache.
//!
//! Evaluating a batch visits each customer's incident rows and history
//! wherever they sit in memory; fetching the next customer's while the
//! current one is evaluated hides most of that wait (see BENCHMARKS.md).

/// Asks the processor to bring the cache line holding `value`'s first byte
/// into its caches. Changes nothing the program can observe but its speed;
/// a no-op on processors other than x86-64.
#[inline(always)]
pub fn prefetch<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing into the program's
    // state; the address is that of a live reference anyway.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
