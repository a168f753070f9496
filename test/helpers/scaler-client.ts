// The tests' client for the scaler: the same one the demo uses.
export { ScalerClient, ref } from '../../scripts/lib/scaler-client';
