//! Marker traits for the semantic value types, checked by generated code.
//!
//! Each generated check is a local trait carrying the field's name in its
//! `#[diagnostic::on_unimplemented]` message, with a blanket impl over one of these
//! traits. These traits deliberately have no diagnostic of their own, so the compiler
//! reports the generated, field-specific message.

use tracing::field::Value;

/// Values recorded as an OpenTelemetry `string`.
pub trait StrValue: Value {}
/// Values recorded as an OpenTelemetry `int`.
pub trait IntValue: Value {}
/// Values recorded as an OpenTelemetry `double`.
pub trait DoubleValue: Value {}
/// Values recorded as an OpenTelemetry `boolean`.
pub trait BoolValue: Value {}
/// Values of attributes declared `any`.
pub trait AnyValue: Value {}

impl<T: Value + ?Sized> AnyValue for T {}

impl StrValue for str {}
impl StrValue for String {}
impl StrValue for Box<str> {}

macro_rules! impl_marker {
    ($trait:ident: $($ty:ty),*) => { $(impl $trait for $ty {})* };
}
impl_marker!(IntValue: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
impl_marker!(
    IntValue: core::num::NonZeroI8,
    core::num::NonZeroI16,
    core::num::NonZeroI32,
    core::num::NonZeroI64,
    core::num::NonZeroU8,
    core::num::NonZeroU16,
    core::num::NonZeroU32,
    core::num::NonZeroU64
);
impl_marker!(DoubleValue: f32, f64);
impl_marker!(BoolValue: bool);

// References and options keep the type of what they hold (`None` records nothing).
macro_rules! impl_wrappers {
    ($($trait:ident),*) => {$(
        impl<T: $trait + ?Sized> $trait for &T {}
        impl<T: $trait + ?Sized> $trait for &mut T {}
        impl<T: $trait> $trait for Option<T> {}
    )*};
}
impl_wrappers!(StrValue, IntValue, DoubleValue, BoolValue);
