//! Domain equations: known physics or business rules as mechanisms, beside the
//! learned ones (`revenue = price * output`, `energy_cost = kwh * 0.31`).
//!
//! An expression has numbers, variable names (letters, digits and `_`, or any
//! text in backticks: `` `Caching Service` ``), `+ - * / ^`, comparisons
//! `< <= > >=` (1 when true, else 0), parentheses, and the functions `exp`,
//! `log`, `sqrt`, `abs`, `min(a, b)`, `max(a, b)` and `if(c, a, b)` (`a` where
//! `c > 0`, else `b`). It compiles to a stack program that runs over whole
//! columns.

use serde::{Deserialize, Serialize};

/// Why an expression cannot be used, with the 1-based character position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at character {at} of {text:?}")]
pub struct ExprError {
    /// The expression.
    pub text: String,
    /// 1-based character position.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Name(String),
    Op(char),
    Cmp(&'static str),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let err = |at: usize, message: &str| ExprError { text: text.to_string(), at: at + 1, message: message.into() };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().collect();
            let v = s.parse::<f64>().map_err(|_| err(start, "not a number"))?;
            out.push((Token::Num(v), start));
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Name(chars[start..i].iter().collect()), start));
        } else if c == '`' {
            let end = chars[i + 1..].iter().position(|&d| d == '`').ok_or_else(|| err(start, "unclosed `"))?;
            out.push((Token::Name(chars[i + 1..i + 1 + end].iter().collect()), start));
            i += end + 2;
        } else if matches!(c, '<' | '>') {
            let eq = chars.get(i + 1) == Some(&'=');
            let op = match (c, eq) {
                ('<', true) => "<=",
                ('<', false) => "<",
                ('>', true) => ">=",
                _ => ">",
            };
            out.push((Token::Cmp(op), start));
            i += 1 + usize::from(eq);
        } else {
            let t = match c {
                '+' | '-' | '*' | '/' | '^' => Token::Op(c),
                '(' => Token::Open,
                ')' => Token::Close,
                ',' => Token::Comma,
                _ => return Err(err(start, &format!("unexpected {c:?}"))),
            };
            out.push((t, start));
            i += 1;
        }
    }
    Ok(out)
}

/// One step of a compiled expression.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Const(f64),
    Var(usize),
    Neg,
    Bin(char),
    Cmp(u8),
    Fun1(u8),
    Min,
    Max,
    If,
}

/// A compiled expression: its variables (in order of first use) and a stack program.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// The variables, in order of first use; `Step::Var(i)` reads the `i`-th.
    pub variables: Vec<String>,
    steps: Vec<Step>,
}

const FUNCTIONS: [&str; 4] = ["exp", "log", "sqrt", "abs"];

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(Token, usize)>,
    at: usize,
    program: Program,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> ExprError {
        let at = self.tokens.get(self.at).map_or(self.text.chars().count(), |t| t.1) + 1;
        ExprError { text: self.text.to_string(), at, message: message.into() }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.0)
    }

    fn expect(&mut self, t: Token, what: &str) -> Result<(), ExprError> {
        if self.peek() == Some(&t) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected {what}")))
        }
    }

    // comparison := sum (cmp sum)?
    fn comparison(&mut self) -> Result<(), ExprError> {
        self.sum()?;
        if let Some(Token::Cmp(op)) = self.peek().cloned() {
            self.at += 1;
            self.sum()?;
            let code = match op {
                "<" => 0,
                "<=" => 1,
                ">" => 2,
                _ => 3,
            };
            self.program.steps.push(Step::Cmp(code));
        }
        Ok(())
    }

    fn sum(&mut self) -> Result<(), ExprError> {
        self.product()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            self.product()?;
            self.program.steps.push(Step::Bin(op));
        }
        Ok(())
    }

    fn product(&mut self) -> Result<(), ExprError> {
        self.unary()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            self.unary()?;
            self.program.steps.push(Step::Bin(op));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(), ExprError> {
        if self.peek() == Some(&Token::Op('-')) {
            self.at += 1;
            self.unary()?;
            self.program.steps.push(Step::Neg);
            return Ok(());
        }
        self.power()
    }

    // power := atom ('^' unary)?   (right-associative, binds tighter than unary minus on its left)
    fn power(&mut self) -> Result<(), ExprError> {
        self.atom()?;
        if self.peek() == Some(&Token::Op('^')) {
            self.at += 1;
            self.unary()?;
            self.program.steps.push(Step::Bin('^'));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<(), ExprError> {
        match self.peek().cloned() {
            Some(Token::Num(v)) => {
                self.at += 1;
                self.program.steps.push(Step::Const(v));
            }
            Some(Token::Open) => {
                self.at += 1;
                self.comparison()?;
                self.expect(Token::Close, "')'")?;
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                if self.peek() == Some(&Token::Open) {
                    self.call(&name)?;
                } else {
                    let i = match self.program.variables.iter().position(|v| *v == name) {
                        Some(i) => i,
                        None => {
                            self.program.variables.push(name);
                            self.program.variables.len() - 1
                        }
                    };
                    self.program.steps.push(Step::Var(i));
                }
            }
            _ => return Err(self.err("expected a number, a name or '('")),
        }
        Ok(())
    }

    fn call(&mut self, name: &str) -> Result<(), ExprError> {
        let arity = match name {
            "min" | "max" => 2,
            "if" => 3,
            f if FUNCTIONS.contains(&f) => 1,
            _ => return Err(self.err(format!("unknown function {name:?} (exp, log, sqrt, abs, min, max, if)"))),
        };
        self.expect(Token::Open, "'('")?;
        for k in 0..arity {
            if k > 0 {
                self.expect(Token::Comma, &format!("',' ({name} takes {arity} arguments)"))?;
            }
            self.comparison()?;
        }
        self.expect(Token::Close, &format!("')' ({name} takes {arity} argument{})", if arity > 1 { "s" } else { "" }))?;
        self.program.steps.push(match name {
            "min" => Step::Min,
            "max" => Step::Max,
            "if" => Step::If,
            f => Step::Fun1(FUNCTIONS.iter().position(|g| *g == f).expect("known") as u8),
        });
        Ok(())
    }
}

impl Program {
    /// Parses and compiles `text`.
    pub fn compile(text: &str) -> Result<Program, ExprError> {
        let tokens = tokenize(text)?;
        let mut p = Parser { text, tokens, at: 0, program: Program::default() };
        p.comparison()?;
        if p.at < p.tokens.len() {
            return Err(p.err("unexpected text after the expression"));
        }
        Ok(p.program)
    }

    /// Evaluates the program on columns (`inputs[i]` holds variable `i`), row by row into `out`.
    pub fn eval(&self, inputs: &[&[f64]], out: &mut [f64]) {
        let n = out.len();
        let mut stack: Vec<Vec<f64>> = Vec::new();
        for step in &self.steps {
            match *step {
                Step::Const(v) => stack.push(vec![v; n]),
                Step::Var(i) => stack.push(inputs[i].to_vec()),
                Step::Neg => stack.last_mut().expect("operand").iter_mut().for_each(|x| *x = -*x),
                Step::Fun1(f) => {
                    let top = stack.last_mut().expect("operand");
                    let g: fn(f64) -> f64 = match f {
                        0 => f64::exp,
                        1 => f64::ln,
                        2 => f64::sqrt,
                        _ => f64::abs,
                    };
                    top.iter_mut().for_each(|x| *x = g(*x));
                }
                Step::Bin(_) | Step::Cmp(_) | Step::Min | Step::Max => {
                    let b = stack.pop().expect("operand");
                    let a = stack.last_mut().expect("operand");
                    let f: fn(f64, f64) -> f64 = match *step {
                        Step::Bin('+') => |x, y| x + y,
                        Step::Bin('-') => |x, y| x - y,
                        Step::Bin('*') => |x, y| x * y,
                        Step::Bin('/') => |x, y| x / y,
                        Step::Bin(_) => f64::powf,
                        Step::Cmp(0) => |x, y| f64::from(x < y),
                        Step::Cmp(1) => |x, y| f64::from(x <= y),
                        Step::Cmp(2) => |x, y| f64::from(x > y),
                        Step::Cmp(_) => |x, y| f64::from(x >= y),
                        Step::Min => f64::min,
                        _ => f64::max,
                    };
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x = f(*x, *y));
                }
                Step::If => {
                    let no = stack.pop().expect("operand");
                    let yes = stack.pop().expect("operand");
                    let c = stack.last_mut().expect("operand");
                    for ((c, y), n) in c.iter_mut().zip(&yes).zip(&no) {
                        *c = if *c > 0.0 { *y } else { *n };
                    }
                }
            }
        }
        out.copy_from_slice(&stack.pop().expect("a value"));
    }
}

/// The noise of an equation node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EquationNoise {
    /// Deterministic: the node is exactly its equation.
    None,
    /// Additive, drawn from the residuals of the equation on the training data.
    Residuals {
        /// The residuals, in row order.
        #[serde(with = "crate::f64s")]
        residuals: Vec<f64>,
    },
    /// Additive normal noise with mean 0.
    Normal {
        /// Standard deviation.
        sd: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, vars: &[(&str, f64)]) -> f64 {
        let p = Program::compile(text).unwrap();
        let cols: Vec<Vec<f64>> =
            p.variables.iter().map(|v| vec![vars.iter().find(|(n, _)| n == v).unwrap().1]).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let mut out = [0.0];
        p.eval(&refs, &mut out);
        out[0]
    }

    #[test]
    fn expressions_follow_the_usual_precedence() {
        assert_eq!(eval("1 + 2 * 3 - 4 / 2", &[]), 5.0);
        assert_eq!(eval("-2 ^ 2", &[]), -4.0);
        assert_eq!(eval("2 ^ 3 ^ 2", &[]), 512.0);
        assert_eq!(eval("(1 + 2) * x", &[("x", 4.0)]), 12.0);
        assert_eq!(eval("price * `units sold` + 1e2", &[("price", 2.5), ("units sold", 4.0)]), 110.0);
        assert_eq!(
            eval("if(load > 0.9, 2, 1) * min(a, 3) + max(abs(-2), sqrt(16))", &[("load", 0.95), ("a", 5.0)]),
            10.0
        );
        assert_eq!(eval("exp(log(7)) <= 7", &[]), 1.0);
        let p = Program::compile("b * a + b").unwrap();
        assert_eq!(p.variables, vec!["b".to_string(), "a".into()]);
    }

    #[test]
    fn bad_expressions_name_the_place() {
        let e = Program::compile("price * (units").unwrap_err();
        assert_eq!((e.at, e.message.as_str()), (15, "expected ')'"));
        let e = Program::compile("2 +* 3").unwrap_err();
        assert_eq!(e.at, 4);
        assert!(Program::compile("cosh(x)").unwrap_err().message.contains("unknown function \"cosh\""));
        assert!(Program::compile("min(1)").unwrap_err().message.contains("min takes 2 arguments"));
        assert!(Program::compile("1 2").unwrap_err().message.contains("after the expression"));
        assert!(Program::compile("a $ b").unwrap_err().message.contains("unexpected '$'"));
    }
}
