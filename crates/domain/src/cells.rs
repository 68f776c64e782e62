//! The cells' chain of identity: specimens, products and donor lots, their release, and the bedside check that lets only a patient's own (or assigned) released product through.
