//! A small crate to try `aim` on.
pub mod shapes;

use shapes::{Circle, Shape, Square};

/// Sums the areas of all shapes.
pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}

pub fn demo() -> f64 {
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Circle::new(1.0)), Box::new(Square { side: 2.0 })];
    let total = total_area(&shapes);
    println!("total area: {}", format_area(total));
    total
}

fn format_area(a: f64) -> String {
    format!("{:.2}", a)
}
