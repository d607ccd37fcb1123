import type { Section } from '../context';
import { backendSection } from './backend';
import { bayesSection } from './bayes';
import { convVaeSection } from './conv-vae';
import { deepAeSection } from './deep-ae';
import { elboBoundSection } from './elbo-bound';
import { informationSection } from './information';
import { linearAeSection } from './linear-ae';
import { pcaSection } from './pca';
import { vaeSection } from './vae';
import { vaeLatentSection } from './vae-latent';
import { vaeLikelihoodSection } from './vae-likelihood';
import { vaeOutliersSection } from './vae-outliers';

/** The road, in order: each section is one step from Bayes' rule to the VAE. */
export const SECTIONS: readonly Section[] = [
  backendSection,
  bayesSection,
  informationSection,
  pcaSection,
  linearAeSection,
  deepAeSection,
  vaeSection,
  convVaeSection,
  elboBoundSection,
  vaeLatentSection,
  vaeLikelihoodSection,
  vaeOutliersSection,
];
