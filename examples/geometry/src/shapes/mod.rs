mod circle;

pub use circle::Circle;

pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &'static str {
        "shape"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    pub side: f64,
}

impl Shape for Square {
    fn area(&self) -> f64 {
        self.side * self.side
    }
    fn name(&self) -> &'static str {
        "square"
    }
}

impl<T: Shape + ?Sized> Shape for Box<T> {
    fn area(&self) -> f64 {
        (**self).area()
    }
}
