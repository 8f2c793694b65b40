//! Pure per-item work on both cores: a list mapped in order, half of it
//! on a second thread.

/// `f` of every item, in order: for many items the first half on this
/// thread and the second on another (a roster's rows, each read and checked
/// on its own: 100,000 took one core 0.2 s; an event's trainees' search
/// keys). `done(n)` is told how many are made (the second half's counted
/// as this one's), every item.
pub(crate) fn in_halves<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(T) -> R + Sync, done: &mut dyn FnMut(usize)) -> Vec<R> {
    const BIG: usize = 4096;
    let split = std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 && items.len() >= BIG;
    // This thread's half is the larger: its count, doubled, ends at the end.
    let second = if split { items.split_off(items.len() - items.len() / 2) } else { Vec::new() };
    let both = second.len();
    let run = |items: Vec<T>, done: &mut dyn FnMut(usize)| -> Vec<R> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(f(item));
            done(out.len() + out.len().min(both));
        }
        out
    };
    if !split {
        return run(items, done);
    }
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| run(second, &mut |_| {}));
        let mut out = run(items, done);
        out.extend(helper.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        out
    })
}

#[cfg(test)]
mod tests {
    use super::in_halves;

    /// The rows come back in the file's order, each once, and the count
    /// told along the way only grows, to the end.
    #[test]
    fn in_halves_keeps_the_order_and_counts_up_to_the_end() {
        for n in [0, 1, 4095, 4096, 4097, 10_001] {
            let items: Vec<u64> = (0..n).collect();
            let mut told = Vec::new();
            let out = in_halves(items, |i| i * 3, &mut |d| told.push(d));
            assert_eq!(out, (0..n).map(|i| i * 3).collect::<Vec<_>>(), "{n}");
            assert!(told.windows(2).all(|w| w[0] < w[1]), "{n}: only grows");
            assert_eq!(told.last().copied().unwrap_or(0), n as usize, "{n}: reaches the end");
        }
    }
}
