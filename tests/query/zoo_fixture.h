// The `zoo` fixture crate for query tests: small, with every shape a query
// must handle (blanket impl, impl for a reference, derives, a call cycle, a
// self-call, a module import cycle, an ambiguous bare name).
#ifndef AIM_TESTS_QUERY_ZOO_FIXTURE_H_
#define AIM_TESTS_QUERY_ZOO_FIXTURE_H_

#include <map>
#include <string>

namespace aim::testing {

inline std::map<std::string, std::string> ZooSources() {
  return {
      {"src/lib.rs", R"(pub mod net;
pub mod render;
pub mod shapes;
pub mod util;

pub trait Area {
    fn area(&self) -> f64;
}

pub trait Describe {
    fn describe(&self) -> String;
}

impl<T: Area> Describe for T {
    fn describe(&self) -> String {
        util::format_area(self.area())
    }
}

pub fn entry() -> f64 {
    let c = shapes::Circle::new(1.0);
    render::draw(&c)
}
)"},
      {"src/shapes.rs", R"(use crate::Area;
use crate::util::square;

#[derive(Debug, Clone)]
pub struct Circle {
    pub radius: f64,
}

pub struct Square {
    pub side: f64,
}

impl Circle {
    pub fn new(radius: f64) -> Circle {
        Circle { radius }
    }
}

impl Area for Circle {
    fn area(&self) -> f64 {
        3.14 * square(self.radius)
    }
}

impl Area for Square {
    fn area(&self) -> f64 {
        square(self.side)
    }
}

impl<'a> Area for &'a Square {
    fn area(&self) -> f64 {
        square(self.side)
    }
}
)"},
      {"src/render.rs", R"(use crate::shapes::Circle;
use crate::Area;

pub struct Canvas {
    pub items: Vec<Circle>,
}

pub fn draw(c: &Circle) -> f64 {
    helper(c)
}

fn helper(c: &Circle) -> f64 {
    Area::area(c)
}

pub fn ping(n: u32) -> u32 {
    if n == 0 { 0 } else { pong(n - 1) }
}

pub fn pong(n: u32) -> u32 {
    ping(n)
}
)"},
      {"src/util.rs", R"(use crate::render::ping;

pub fn square(x: f64) -> f64 {
    x * x
}

pub fn format_area(a: f64) -> String {
    a.to_string()
}

pub fn countdown(n: u32) -> u32 {
    if n == 0 { 0 } else { countdown(n - 1) }
}

pub fn bounce() -> u32 {
    ping(3)
}
)"},
      {"src/net/mod.rs", R"(pub mod tcp;
pub mod udp;
)"},
      {"src/net/tcp.rs", R"(pub struct TcpStream {
    pub port: u16,
}

impl TcpStream {
    pub fn connect(port: u16) -> TcpStream {
        TcpStream { port }
    }
}
)"},
      {"src/net/udp.rs", R"(pub fn connect(port: u16) -> u16 {
    port
}
)"},
  };
}

}  // namespace aim::testing

#endif  // AIM_TESTS_QUERY_ZOO_FIXTURE_H_
