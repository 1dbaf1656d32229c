//! Pruning for the `include` setting: keeps the objects, enumerations and unions the
//! included messages reach, and renumbers the ids that refer to them.
//!
//! Separate from the checks because it reports nothing and works on a finished [`Ir`]:
//! every reference is already resolved, so pruning is a graph walk and a renumbering.

use crate::resolved::{
    EnumId, FieldIr, Ir, MessageIr, ObjectId, ObjectIr, TypeRef, UnionId, UnionIr, UnionVariantIr,
};

/// Drops the objects, enumerations and unions no kept message reaches, and renumbers
/// references.
pub(super) fn keep_reachable(ir: Ir) -> Ir {
    let mut objects = vec![false; ir.objects.len()];
    let mut enums = vec![false; ir.enums.len()];
    let mut unions = vec![false; ir.unions.len()];
    // Worklists of the objects and unions reached and not yet expanded.
    let mut stack: Vec<ObjectId> = ir.messages.iter().map(|m| m.payload).collect();
    let mut union_stack: Vec<UnionId> = Vec::new();
    let mut reach =
        |ty: &TypeRef, stack: &mut Vec<ObjectId>, union_stack: &mut Vec<UnionId>| match ty.innermost() {
            TypeRef::Object(id) => stack.push(*id),
            TypeRef::Enum(id) => enums[id.0] = true,
            TypeRef::Union(id) => union_stack.push(*id),
            TypeRef::Primitive(_) | TypeRef::Array(_) => {}
        };
    loop {
        if let Some(id) = stack.pop() {
            if !std::mem::replace(&mut objects[id.0], true) {
                for field in &ir.object(id).fields {
                    reach(&field.ty, &mut stack, &mut union_stack);
                }
            }
        } else if let Some(id) = union_stack.pop() {
            if !std::mem::replace(&mut unions[id.0], true) {
                for variant in &ir.union(id).variants {
                    reach(&variant.ty, &mut stack, &mut union_stack);
                }
            }
        } else {
            break;
        }
    }
    let maps = Maps { objects: renumber(&objects), enums: renumber(&enums), unions: renumber(&unions) };
    Ir {
        messages: ir
            .messages
            .into_iter()
            .map(|m| MessageIr { payload: maps.object(m.payload), ..m })
            .collect(),
        objects: (ir.objects.into_iter().zip(&objects))
            .filter(|(_, keep)| **keep)
            .map(|(o, _)| ObjectIr {
                fields: o.fields.into_iter().map(|f| FieldIr { ty: maps.remap(&f.ty), ..f }).collect(),
                ..o
            })
            .collect(),
        enums: ir.enums.into_iter().zip(&enums).filter(|(_, keep)| **keep).map(|(e, _)| e).collect(),
        unions: (ir.unions.into_iter().zip(&unions))
            .filter(|(_, keep)| **keep)
            .map(|(u, _)| UnionIr {
                variants: u
                    .variants
                    .into_iter()
                    .map(|v| UnionVariantIr { ty: maps.remap(&v.ty), ..v })
                    .collect(),
                ..u
            })
            .collect(),
        ..ir
    }
}

/// New positions of the kept objects, enumerations and unions, by old position.
struct Maps {
    objects: Vec<usize>,
    enums: Vec<usize>,
    unions: Vec<usize>,
}

impl Maps {
    fn object(&self, id: ObjectId) -> ObjectId {
        ObjectId(self.objects[id.0])
    }

    fn remap(&self, ty: &TypeRef) -> TypeRef {
        match ty {
            TypeRef::Object(id) => TypeRef::Object(self.object(*id)),
            TypeRef::Enum(id) => TypeRef::Enum(EnumId(self.enums[id.0])),
            TypeRef::Union(id) => TypeRef::Union(UnionId(self.unions[id.0])),
            TypeRef::Array(inner) => TypeRef::Array(Box::new(self.remap(inner))),
            TypeRef::Primitive(p) => TypeRef::Primitive(*p),
        }
    }
}

/// New position of each kept item (unkept items map to 0 and are never looked up).
fn renumber(keep: &[bool]) -> Vec<usize> {
    let mut next = 0;
    keep.iter()
        .map(|k| {
            let index = next;
            next += usize::from(*k);
            index
        })
        .collect()
}
