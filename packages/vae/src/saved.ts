// The record format a saved VAE is stored under.

/**
 * The record format `VAE.save` writes (and the previous versions wrote).
 * @example
 * ```ts
 * VAE_FORMAT; // 'elbo/vae'
 * ```
 */
export const VAE_FORMAT = 'elbo/vae';
