import { seededRandom } from '../../crm/recommendations/als';
import { choleskyInPlace, invertSpd } from '../../crm/recommendations';

describe('dense SPD inverse', () => {
  it('inverts a 2×2 matrix exactly', () => {
    // [[4, 2], [2, 3]]⁻¹ = 1/8 · [[3, −2], [−2, 4]]
    const inv = invertSpd(Float64Array.from([4, 2, 2, 3]), 2);
    expect(Array.from(inv).map((x) => x * 8)).toEqual([3, -2, -2, 4].map((x) => expect.closeTo(x, 12)));
  });

  it.each([1, 2, 3, 5, 49, 50, 97, 130])('A·A⁻¹ = I for a random SPD matrix of size %i (odd sizes and block edges)', (n) => {
    const rand = seededRandom(n);
    const x = Float64Array.from({ length: n * n }, () => rand() - 0.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += x[i * n + k] * x[j * n + k];
        a[i * n + j] = s / n + (i === j ? 1 : 0);
      }
    }
    const inv = invertSpd(a.slice(), n);
    let maxError = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        maxError = Math.max(maxError, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(maxError).toBeLessThan(1e-10);
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});
