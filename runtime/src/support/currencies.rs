//! Gathering the currency codes of an object tree, for the rules that compare them with
//! their root's currency (an invoice's fees must be in the invoice's currency).

use crate::validate::Path;

/// Reports every currency code of a value and of the objects nested in it.
///
/// Generated code implements it for each object and union; the default reports nothing.
pub trait Currencies {
    /// Calls `visit` with each currency code and where it is.
    fn visit_currencies(&self, path: &Path<'_>, visit: &mut dyn FnMut(&str, &Path<'_>)) {
        let _ = (path, visit);
    }
}

impl<T: Currencies> Currencies for Option<T> {
    fn visit_currencies(&self, path: &Path<'_>, visit: &mut dyn FnMut(&str, &Path<'_>)) {
        if let Some(value) = self {
            value.visit_currencies(path, visit);
        }
    }
}

impl<T: Currencies> Currencies for Box<T> {
    fn visit_currencies(&self, path: &Path<'_>, visit: &mut dyn FnMut(&str, &Path<'_>)) {
        (**self).visit_currencies(path, visit);
    }
}

impl<T: Currencies> Currencies for Vec<T> {
    fn visit_currencies(&self, path: &Path<'_>, visit: &mut dyn FnMut(&str, &Path<'_>)) {
        for (index, item) in self.iter().enumerate() {
            item.visit_currencies(&path.index(index), visit);
        }
    }
}
