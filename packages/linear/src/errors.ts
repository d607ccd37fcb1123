/**
 * Thrown when data are too degenerate for the quantity asked of them, where
 * no finite answer exists (for example a Gaussian density fitted to constant
 * data). `name` is `'DegenerateDataError'`.
 *
 * @example
 * ```ts
 * try {
 *   ProbabilisticPCA.fit([[1, 2], [1, 2], [1, 2]], { components: 1 });
 * } catch (e) {
 *   if (e instanceof DegenerateDataError) console.log(e.message);
 * }
 * ```
 */
export class DegenerateDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DegenerateDataError';
  }
}
