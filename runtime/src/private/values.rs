//! Marker traits for the semantic value types, checked by generated code.
//!
//! Each generated check is a local trait carrying the field's name in its
//! `#[diagnostic::on_unimplemented]` message, with a blanket impl over one of these
//! traits. These traits deliberately have no diagnostic of their own, so the compiler
//! reports the generated, field-specific message.

use tracing::field::Value;

/// Values recorded as an OpenTelemetry `string`.
pub trait StrValue: Value {
    /// The text, for the values semtrace reads itself (a client's `url.full`).
    fn text(&self) -> Option<&str>;
}
/// Values recorded as an OpenTelemetry `int`.
///
/// tracing-opentelemetry keeps only `i64` as an int (other integer types reach it as
/// text), so every integer is widened to `i64` here. A `u64` above `i64::MAX` has no
/// `int` representation and is left unrecorded.
pub trait IntValue {
    /// The value as OpenTelemetry's `int`.
    fn to_i64(&self) -> Option<i64>;
}
/// Values recorded as an OpenTelemetry `double`.
pub trait DoubleValue: Value {}
/// Values recorded as an OpenTelemetry `boolean`.
pub trait BoolValue: Value {}
/// Values of attributes declared `any`.
pub trait AnyValue: Value {}

impl<T: Value + ?Sized> AnyValue for T {}

impl StrValue for str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
impl StrValue for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
impl StrValue for Box<str> {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
impl<T: StrValue + ?Sized> StrValue for &T {
    fn text(&self) -> Option<&str> {
        (**self).text()
    }
}
impl<T: StrValue + ?Sized> StrValue for &mut T {
    fn text(&self) -> Option<&str> {
        (**self).text()
    }
}
impl<T: StrValue> StrValue for Option<T> {
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(StrValue::text)
    }
}

macro_rules! impl_marker {
    ($trait:ident: $($ty:ty),*) => { $(impl $trait for $ty {})* };
}
macro_rules! int_values {
    ($($ty:ty),*) => {$(
        impl IntValue for $ty {
            #[inline]
            fn to_i64(&self) -> Option<i64> {
                i64::try_from(*self).ok()
            }
        }
    )*};
}
int_values!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! nonzero_values {
    ($($ty:ty),*) => {$(
        impl IntValue for $ty {
            #[inline]
            fn to_i64(&self) -> Option<i64> {
                self.get().to_i64()
            }
        }
    )*};
}
nonzero_values!(
    core::num::NonZeroI8,
    core::num::NonZeroI16,
    core::num::NonZeroI32,
    core::num::NonZeroI64,
    core::num::NonZeroU8,
    core::num::NonZeroU16,
    core::num::NonZeroU32,
    core::num::NonZeroU64
);

impl<T: IntValue + ?Sized> IntValue for &T {
    #[inline]
    fn to_i64(&self) -> Option<i64> {
        (**self).to_i64()
    }
}
impl<T: IntValue + ?Sized> IntValue for &mut T {
    #[inline]
    fn to_i64(&self) -> Option<i64> {
        (**self).to_i64()
    }
}
impl<T: IntValue> IntValue for Option<T> {
    #[inline]
    fn to_i64(&self) -> Option<i64> {
        self.as_ref().and_then(IntValue::to_i64)
    }
}
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
impl_wrappers!(DoubleValue, BoolValue);

/// Sequences (`[T]`, `[T; N]`, `Vec<T>`, and references to them) for array attributes.
pub trait Items {
    /// The element type.
    type Item;
    /// The elements.
    fn items(&self) -> &[Self::Item];
}

impl<T> Items for [T] {
    type Item = T;
    fn items(&self) -> &[T] {
        self
    }
}
impl<T, const N: usize> Items for [T; N] {
    type Item = T;
    fn items(&self) -> &[T] {
        self
    }
}
impl<T> Items for Vec<T> {
    type Item = T;
    fn items(&self) -> &[T] {
        self
    }
}
impl<A: Items + ?Sized> Items for &A {
    type Item = A::Item;
    fn items(&self) -> &[A::Item] {
        (**self).items()
    }
}

/// Values of array attributes: recorded as OpenTelemetry arrays.
pub trait ArrayValue: core::fmt::Debug {
    /// The OpenTelemetry array.
    fn to_otel(&self) -> opentelemetry::Array;
}

/// Values recorded as an OpenTelemetry `string[]`.
pub trait StrArray: ArrayValue {}
/// Values recorded as an OpenTelemetry `int[]`.
pub trait IntArray: ArrayValue {}
/// Values recorded as an OpenTelemetry `double[]`.
pub trait DoubleArray: ArrayValue {}
/// Values recorded as an OpenTelemetry `boolean[]`.
pub trait BoolArray: ArrayValue {}

/// Element types and how they become an OpenTelemetry array.
pub trait Element: Sized {
    /// The array of these elements.
    fn array(items: &[Self]) -> opentelemetry::Array;
}

/// Element kinds, one marker per array type.
pub trait IntElement: Element {}
/// Elements of `double[]`.
pub trait DoubleElement: Element {}
/// Elements of `boolean[]`.
pub trait BoolElement: Element {}
/// Elements of `string[]`.
pub trait StrElement: Element {}

macro_rules! elements {
    ($variant:ident, $kind:ident, |$v:ident| $conv:expr; $($ty:ty),*) => {$(
        impl Element for $ty {
                    fn array(items: &[Self]) -> opentelemetry::Array {
                opentelemetry::Array::$variant(items.iter().map(|$v| $conv).collect())
            }
        }
        impl $kind for $ty {}
    )*};
}
elements!(I64, IntElement, |v| i64::from(*v); i8, i16, i32, u8, u16, u32);
elements!(I64, IntElement, |v| *v; i64);
elements!(F64, DoubleElement, |v| f64::from(*v); f32);
elements!(F64, DoubleElement, |v| *v; f64);
elements!(Bool, BoolElement, |v| *v; bool);
elements!(String, StrElement, |v| v.clone().into(); String);

impl Element for &str {
    fn array(items: &[Self]) -> opentelemetry::Array {
        opentelemetry::Array::String(items.iter().map(|v| (*v).to_owned().into()).collect())
    }
}
impl StrElement for &str {}

macro_rules! array_kinds {
    ($($array:ident: $kind:ident),*) => {$(
        impl<A: Items + core::fmt::Debug + ?Sized> $array for A where A::Item: $kind {}
    )*};
}
array_kinds!(IntArray: IntElement, DoubleArray: DoubleElement, BoolArray: BoolElement, StrArray: StrElement);

impl<A: Items + core::fmt::Debug + ?Sized> ArrayValue for A
where
    A::Item: Element,
{
    fn to_otel(&self) -> opentelemetry::Array {
        Element::array(self.items())
    }
}

/// An integer argument recorded with `%` (`task.id = %id` where `id: u64`): the
/// same text as its `Display`, written without `core::fmt`'s integer formatting
/// and padding (about 110 of an exported span's ~3400 instructions; itoa's digits
/// cut the span's count by 2.3%). Only formatted when a layer visits the value.
#[derive(Clone, Copy)]
pub struct IntText<I>(pub I);

impl<I: itoa::Integer + Copy> std::fmt::Display for IntText<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(itoa::Buffer::new().format(self.0))
    }
}
