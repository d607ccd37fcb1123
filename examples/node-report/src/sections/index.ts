import type { Section } from '../context';
import { backendSection } from './backend';

/** The road, in order: each section is one step from Bayes' rule to the VAE. */
export const SECTIONS: readonly Section[] = [backendSection];
