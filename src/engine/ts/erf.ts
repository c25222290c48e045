// erf(x) in double precision for the exact GELU (JavaScript has no Math.erf).
// |x| < 3: the Maclaurin series (terms stay below ~1e3, so ~1e-13 cancellation error);
// |x| >= 3: erfc's continued fraction (Abramowitz & Stegun 7.1.14), evaluated bottom-up to fixed depth.

export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}
