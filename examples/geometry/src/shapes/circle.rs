use super::Shape;
use std::f64::consts::PI;

#[derive(Debug, Clone, Copy)]
pub struct Circle {
    radius: f64,
}

impl Circle {
    pub const fn new(radius: f64) -> Self {
        Circle { radius }
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        match self.radius {
            r if r <= 0.0 => 0.0,
            r => PI * r.powi(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_circle() {
        assert!((Circle::new(1.0).area() - PI).abs() < 1e-9);
    }
}
