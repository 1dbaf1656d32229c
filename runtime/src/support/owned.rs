//! From the borrowed flavour to the owned types: one trait, so that generated code writes
//! every field's conversion the same way whatever its type.

use serde_json::Value;

use crate::borrowed::{Decimal, Text};

/// Converts a borrowed-flavour value into its owned counterpart `T`.
pub trait IntoOwned<T> {
    /// The owned value.
    fn into_owned(self) -> T;
}

impl<'a, T: From<Text<'a>>> IntoOwned<T> for Text<'a> {
    fn into_owned(self) -> T {
        T::from(self)
    }
}

impl IntoOwned<crate::Decimal> for Decimal<'_> {
    fn into_owned(self) -> crate::Decimal {
        Decimal::into_owned(self)
    }
}

impl<A: IntoOwned<B>, B> IntoOwned<Option<B>> for Option<A> {
    fn into_owned(self) -> Option<B> {
        self.map(A::into_owned)
    }
}

impl<A: IntoOwned<B>, B> IntoOwned<Vec<B>> for Vec<A> {
    fn into_owned(self) -> Vec<B> {
        self.into_iter().map(A::into_owned).collect()
    }
}

impl<A: IntoOwned<B>, B> IntoOwned<Box<B>> for Box<A> {
    fn into_owned(self) -> Box<B> {
        Box::new((*self).into_owned())
    }
}

/// Types both flavours share: numbers, flags, free-form JSON.
macro_rules! same {
    ($($ty:ty),*) => {$(
        impl IntoOwned<$ty> for $ty {
            fn into_owned(self) -> $ty {
                self
            }
        }
    )*};
}

same!(i64, f64, bool, Value, crate::UnknownEvent);
