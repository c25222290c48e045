// scikit-learn's GroupKFold fold assignment (1.2.x): groups sorted by size with numpy's default
// (unstable) introsort argsort, reversed, then each given to the currently lightest fold. The argsort
// is reproduced exactly (numpy 1.24 aquicksort, SMALL_QUICKSORT = 15) because with equal-sized groups
// (the GLM's duplicated rows) the fold of each group depends on how that sort permutes ties.

/** numpy.argsort(values) with kind="quicksort" (numpy ≤ 1.24 scalar introsort). */
export function numpyArgsort(values: ArrayLike<number>): Int32Array {
  const n = values.length;
  const t = Int32Array.from({ length: n }, (_, i) => i);
  const v = (i: number): number => values[t[i]!]!;
  const swap = (a: number, b: number): void => {
    const tmp = t[a]!;
    t[a] = t[b]!;
    t[b] = tmp;
  };
  const stack: [number, number][] = [];
  let pl = 0;
  let pr = n - 1;
  for (;;) {
    // The depth limit (heapsort fallback) never triggers for the inputs we sort (ties or near-ties).
    while (pr - pl > 15) {
      const pm = pl + ((pr - pl) >> 1);
      if (v(pm) < v(pl)) swap(pm, pl);
      if (v(pr) < v(pm)) swap(pr, pm);
      if (v(pm) < v(pl)) swap(pm, pl);
      const vp = v(pm);
      let pi = pl;
      let pj = pr - 1;
      swap(pm, pj);
      for (;;) {
        do pi++;
        while (v(pi) < vp);
        do pj--;
        while (vp < v(pj));
        if (pi >= pj) break;
        swap(pi, pj);
      }
      swap(pi, pr - 1);
      if (pi - pl < pr - pi) {
        stack.push([pi + 1, pr]);
        pr = pi - 1;
      } else {
        stack.push([pl, pi - 1]);
        pl = pi + 1;
      }
    }
    for (let i = pl + 1; i <= pr; i++) {
      const vi = t[i]!;
      const val = values[vi]!;
      let j = i;
      while (j > pl && val < values[t[j - 1]!]!) {
        t[j] = t[j - 1]!;
        j--;
      }
      t[j] = vi;
    }
    const next = stack.pop();
    if (next === undefined) break;
    [pl, pr] = next;
  }
  return t;
}

/** Fold index (0..nSplits-1) of each group, given each group's sample count. */
export function groupKFold(groupSizes: ArrayLike<number>, nSplits: number): Int32Array {
  const order = numpyArgsort(groupSizes).reverse();
  const foldWeight = new Float64Array(nSplits);
  const fold = new Int32Array(groupSizes.length);
  for (const g of order) {
    let lightest = 0;
    for (let f = 1; f < nSplits; f++) if (foldWeight[f]! < foldWeight[lightest]!) lightest = f;
    foldWeight[lightest]! += groupSizes[g]!;
    fold[g] = lightest;
  }
  return fold;
}
