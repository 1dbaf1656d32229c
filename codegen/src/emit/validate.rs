//! `Validate` implementations: the constraints of each field, the rules of each object,
//! enumeration membership, and the envelope's dispatch to its payload.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, MessageNames, ident};
use crate::resolved::{EnumIr, FieldIr, Format, ObjectIr, Primitive, RuleIr, Since, TypeRef, UnionIr};

pub(super) fn emit(cx: &Context<'_>) -> TokenStream {
    let objects = cx.ir.objects.iter().map(|o| object(cx, o));
    let enums = cx.ir.enums.iter().map(|e| enumeration(cx, e));
    let unions = cx.ir.unions.iter().map(|u| union(cx, u));
    let event = event(cx);
    quote! {
        #(#objects)*
        #(#enums)*
        #(#unions)*
        #event
    }
}

/// The `Validate` impls of the objects and the event alone: the borrowed flavour shares
/// its enumerations and unions with the owned one.
pub(super) fn emit_borrowed(cx: &Context<'_>) -> TokenStream {
    let objects = cx.ir.objects.iter().map(|o| object(cx, o));
    let event = event(cx);
    quote! {
        #(#objects)*
        #event
    }
}

fn object(cx: &Context<'_>, object: &ObjectIr) -> TokenStream {
    let krate = cx.krate();
    let name = cx.impl_type(&object.name);
    let fields = object.fields.iter().filter_map(|f| field(cx, f));
    let checks: Vec<_> = fields.chain(object.rules.iter().map(|r| rule(cx, object, r))).collect();
    // Unused parameters would warn in the caller's crate.
    let (path, out) = match checks.is_empty() {
        true => (quote!(_), quote!(_)),
        false => (quote!(path), quote!(out)),
    };
    let currencies: Vec<_> = object.fields.iter().filter_map(|f| visit_currencies(cx, f)).collect();
    let visit_currencies = (!currencies.is_empty()).then(|| {
        quote! {
            fn visit_currencies(
                &self,
                path: &#krate::validate::Path<'_>,
                visit: &mut dyn ::core::ops::FnMut(&::core::primitive::str, &#krate::validate::Path<'_>),
            ) {
                #(#currencies)*
            }
        }
    });
    let private = cx.private();
    quote! {
        impl #krate::Validate for #name {
            fn validate_at(&self, #path: &#krate::validate::Path<'_>, #out: &mut #krate::Violations) {
                #(#checks)*
            }
        }

        impl #private::Currencies for #name {
            #visit_currencies
        }
    }
}

/// The checks of one field, or nothing when its type and spec ask for none.
fn field(cx: &Context<'_>, field: &FieldIr) -> Option<TokenStream> {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let checks = value(cx, field, &field.ty, quote!(value))?;
    Some(if field.optional || field.nullable {
        quote! {
            if let ::core::option::Option::Some(value) = &self.#name {
                let path = path.key(#json);
                #checks
            }
        }
    } else {
        quote! {
            {
                let (value, path) = (&self.#name, path.key(#json));
                #checks
            }
        }
    })
}

/// The checks of `value`, a reference to a value of type `ty`, located by `path`.
fn value(cx: &Context<'_>, field: &FieldIr, ty: &TypeRef, value: TokenStream) -> Option<TokenStream> {
    let krate = cx.krate();
    let private = cx.private();
    match ty {
        // Objects, enumerations and arrays of them validate themselves (the runtime's
        // impl for `Vec` adds the indices).
        TypeRef::Object(_) | TypeRef::Enum(_) | TypeRef::Union(_) => {
            Some(quote!(#krate::Validate::validate_at(#value, &path, out);))
        }
        TypeRef::Array(inner)
            if matches!(**inner, TypeRef::Object(_) | TypeRef::Enum(_) | TypeRef::Union(_)) =>
        {
            Some(quote!(#krate::Validate::validate_at(#value, &path, out);))
        }
        TypeRef::Array(inner) => {
            let checks = self::value(cx, field, inner, quote!(item))?;
            Some(quote! {
                for (index, item) in #value.iter().enumerate() {
                    let path = path.index(index);
                    #checks
                }
            })
        }
        TypeRef::Primitive(primitive) => {
            let text = text_of(*primitive, &value);
            let format = field.format.map(|format| {
                let format = format_path(cx, format);
                quote!(#private::check_format(#text, #format, &path, out);)
            });
            let non_empty = field.non_empty.then(|| quote!(#private::check_non_empty(#text, &path, out);));
            let range = (field.minimum.is_some() || field.maximum.is_some()).then(|| {
                let bound = |b: Option<i64>| match b {
                    Some(b) => quote!(::core::option::Option::Some(#b)),
                    None => quote!(::core::option::Option::None),
                };
                let (min, max) = (bound(field.minimum), bound(field.maximum));
                quote!(#private::check_range(*#value, #min, #max, &path, out);)
            });
            (format.is_some() || non_empty.is_some() || range.is_some())
                .then(|| quote!(#format #non_empty #range))
        }
    }
}

/// `value` (a reference to a primitive) as `&str`, for format checks.
fn text_of(primitive: Primitive, value: &TokenStream) -> TokenStream {
    match primitive {
        Primitive::String => value.clone(),
        _ => quote!(#value.as_str()),
    }
}

/// A union validates the variant it holds as a field of that type would be validated,
/// and reports the currencies of an object variant to its owner's rules.
fn union(cx: &Context<'_>, u: &UnionIr) -> TokenStream {
    let krate = cx.krate();
    let private = cx.private();
    let name = ident(&u.name);
    let mut checks = Vec::new();
    let mut currencies = Vec::new();
    for v in &u.variants {
        let variant = ident(&v.variant);
        // The variant's constraints are those its type implies, as for a field.
        let field = FieldIr {
            json_name: String::new(),
            rust_name: String::new(),
            ty: v.ty.clone(),
            optional: false,
            nullable: false,
            description: String::new(),
            format: v.format,
            non_empty: false,
            minimum: None,
            maximum: None,
            since: Since::Always,
            until: None,
        };
        if let Some(check) = value(cx, &field, &v.ty, quote!(value)) {
            checks.push(quote!(#name::#variant(value) => { #check }));
        }
        if v.ty.holds_objects() || matches!(v.ty.innermost(), TypeRef::Union(_)) {
            currencies.push(
                quote!(#name::#variant(value) => #private::Currencies::visit_currencies(value, path, visit),),
            );
        }
    }
    let validate = (!checks.is_empty()).then(|| {
        quote! {
            // The catch-all arm is unreachable when every variant has checks.
            #[allow(unreachable_patterns, clippy::single_match)]
            fn validate_at(&self, path: &#krate::validate::Path<'_>, out: &mut #krate::Violations) {
                // The checks take the path by value, as they do inside a struct.
                let path = *path;
                match self {
                    #(#checks)*
                    _ => {}
                }
            }
        }
    });
    let validate = validate.unwrap_or_else(|| {
        quote! {
            fn validate_at(&self, _: &#krate::validate::Path<'_>, _: &mut #krate::Violations) {}
        }
    });
    let visit_currencies = (!currencies.is_empty()).then(|| {
        quote! {
            #[allow(unreachable_patterns, clippy::single_match)]
            fn visit_currencies(
                &self,
                path: &#krate::validate::Path<'_>,
                visit: &mut dyn ::core::ops::FnMut(&::core::primitive::str, &#krate::validate::Path<'_>),
            ) {
                match self {
                    #(#currencies)*
                    _ => {}
                }
            }
        }
    });
    quote! {
        impl #krate::Validate for #name {
            #validate
        }

        impl #private::Currencies for #name {
            #visit_currencies
        }
    }
}

fn format_path(cx: &Context<'_>, format: Format) -> TokenStream {
    let krate = cx.krate();
    let variant = ident(format.variant_name());
    quote!(#krate::validate::Format::#variant)
}

/// Reports each currency code of a field to `visit`, and descends into nested objects.
fn visit_currencies(cx: &Context<'_>, field: &FieldIr) -> Option<TokenStream> {
    let private = cx.private();
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let call = match &field.ty {
        TypeRef::Primitive(Primitive::Currency) if field.optional || field.nullable => quote! {
            if let ::core::option::Option::Some(value) = &self.#name {
                visit(value.as_str(), &path.key(#json));
            }
        },
        TypeRef::Primitive(Primitive::Currency) => quote!(visit(self.#name.as_str(), &path.key(#json));),
        ty if ty.holds_objects() || matches!(ty.innermost(), TypeRef::Union(_)) => {
            quote!(#private::Currencies::visit_currencies(&self.#name, &path.key(#json), visit);)
        }
        _ => return None,
    };
    Some(call)
}

/// `self.field` as an `Option` of its value (for rules, which skip absent fields).
fn present(field: &FieldIr, by_ref: bool) -> TokenStream {
    let name = ident(&field.rust_name);
    match (field.optional || field.nullable, by_ref) {
        (true, true) => quote!(self.#name.as_deref()),
        (true, false) => quote!(self.#name),
        (false, true) => quote!(::core::option::Option::Some(self.#name.as_str())),
        (false, false) => quote!(::core::option::Option::Some(self.#name)),
    }
}

fn rule(cx: &Context<'_>, object: &ObjectIr, rule: &RuleIr) -> TokenStream {
    let krate = cx.krate();
    let private = cx.private();
    let fields = &object.fields;
    match rule {
        RuleIr::SameCurrency { root, within } => {
            let candidates = root.iter().map(|i| present(object.field(*i), true));
            let owner = &object.name;
            let own = fields.iter().filter(|f| f.ty == TypeRef::Primitive(Primitive::Currency));
            let own = own.filter_map(|f| visit_currencies(cx, f));
            let nested = within.iter().filter_map(|i| visit_currencies(cx, object.field(*i)));
            quote! {
                if let ::core::option::Option::Some(root) = #private::first_currency(&[#(#candidates),*]) {
                    let visit = &mut |value: &::core::primitive::str, at: &#krate::validate::Path<'_>| {
                        #private::check_same_currency(root, value, #owner, at, out)
                    };
                    #(#own)*
                    #(#nested)*
                }
            }
        }
        RuleIr::Sum { total, parts } => {
            let total_field = object.field(*total);
            let total_value = present(total_field, false);
            let json = &total_field.json_name;
            let names: Vec<_> = (0..parts.len()).map(|i| quote::format_ident!("part{}", i)).collect();
            let values = parts.iter().map(|alternatives| {
                let mut options = alternatives.iter().map(|i| present(object.field(*i), false));
                let first = options.next().unwrap_or_else(|| quote!(::core::option::Option::None));
                quote!(#first #(.or(#options))*)
            });
            let terms = object.sum_terms(parts);
            quote! {
                if let (::core::option::Option::Some(total), #(::core::option::Option::Some(#names)),*) = (#total_value, #(#values),*) {
                    #private::check_sum(total, &[#(#names),*], #terms, &path.key(#json), out);
                }
            }
        }
    }
}

fn enumeration(cx: &Context<'_>, e: &EnumIr) -> TokenStream {
    let krate = cx.krate();
    let private = cx.private();
    let name = ident(&e.name);
    let unknown = ident(&e.unknown_variant);
    let label = &e.name;
    quote! {
        impl #krate::Validate for #name {
            fn validate_at(&self, path: &#krate::validate::Path<'_>, out: &mut #krate::Violations) {
                if let #name::#unknown(value) = self {
                    #private::report_unlisted(value, #label, path, out);
                }
            }
        }
    }
}

fn event(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let event = cx.impl_type("WebhookEvent");
    let marker = cx.marker_arm();
    let MessageNames { variants, params, unknown, .. } = cx.names;
    quote! {
        impl #krate::Validate for #event {
            fn validate_at(&self, path: &#krate::validate::Path<'_>, out: &mut #krate::Violations) {
                match self {
                    #(WebhookEvent::#variants { #params: payload, .. } => {
                        let path = path.key(WebhookType::#variants.payload_key());
                        #krate::Validate::validate_at(payload, &path, out);
                    })*
                    WebhookEvent::#unknown(_) => {}
                    #marker
                }
            }
        }
    }
}
