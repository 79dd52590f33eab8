//! Probabilistic customer lifetime value: the `bgnbd` future value of the README's "The model".
//!
//! A goodwill gesture is worth what it saves, and what it saves is the
//! customer's future margin. This module estimates that margin from purchase
//! history alone, with the two models the `lifetimes` library popularised:
//!
//! - [`summarize`] turns a customer's transactions into an [`Rfm`] summary
//!   (repeat purchases, recency, age, mean repeat spend);
//! - [`BgNbd`] predicts how many purchases the customer will make and whether
//!   they are still a customer ([`BgNbd::p_alive`]); its closed form needs the
//!   hypergeometric function, computed in log space in [`hyp2f1`];
//! - [`GammaGamma`] predicts what each purchase will be worth;
//! - [`fit_bgnbd`] and [`fit_gamma_gamma`] estimate both from a customer base,
//!   to the precision the published CDNOW figures are quoted at;
//! - [`clv`] combines them into discounted margin over a horizon, and
//!   [`LtvModel`] is the fitted pair as stored in a model file;
//! - [`score`] scores a whole customer base at once, sharing the work between
//!   customers with the same summary.
//!
//! [`simple`] is the other model of the README's "The model", the default: the customer's own
//! order rate and basket, projected with no fit at all.
//!
//! Everything here is a pure function of numbers: no files, no clock.

mod bgnbd;
mod clv;
mod fit;
mod gamma_gamma;
/// The Gauss hypergeometric function 2F1 in log space
pub mod hyp2f1;
mod likelihood;
mod optimize;
mod rfm;
mod score;
/// The simple LTV model of the README's "The model": past order rate and basket, projected
pub mod simple;
#[cfg(test)]
mod testdata;

pub use bgnbd::BgNbd;
pub use clv::{LtvModel, clv, discounted_purchases};
pub use fit::{
    BgNbdFit, FitError, GammaGammaFit, Standout, fit_bgnbd, fit_bgnbd_from, fit_gamma_gamma, fit_gamma_gamma_from,
    standouts,
};
pub use gamma_gamma::GammaGamma;
pub use rfm::{Rfm, TimeUnit, summarize};
pub use score::{Score, Settings, score};
