//! Bayesian networks in the BIF text format (the bnlearn repository's dialect).
//!
//! ```text
//! network name { }
//! variable asia { type discrete [ 2 ] { yes, no }; }
//! probability ( tub | asia ) { (yes) 0.05, 0.95; (no) 0.01, 0.99; }
//! probability ( asia ) { table 0.01, 0.99; }
//! ```
//!
//! `property` lines are skipped, `default` rows fill parent configurations not
//! listed, `//` and `/* */` comments are allowed, and the file may be gzipped.

use std::io::Read;
use std::path::Path;

use kausa_sim::{BnError, DiscreteBn};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: u64,
    col: usize,
}

struct Parser<'a> {
    path: &'a Path,
    tokens: Vec<Token>,
    at: usize,
    /// Position of the end of the file, for "unexpected end" messages.
    end: (u64, usize),
}

const PUNCT: &[char] = &['{', '}', '(', ')', '[', ']', ';', ',', '|'];

fn tokenize(path: &Path, text: &str) -> Result<(Vec<Token>, (u64, usize))> {
    let mut tokens = Vec::new();
    let (mut line, mut col) = (1u64, 1usize);
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let (l0, c0) = (line, col);
        let bump = |ch: char, line: &mut u64, col: &mut usize| {
            if ch == '\n' {
                *line += 1;
                *col = 1;
            } else {
                *col += 1;
            }
        };
        if c.is_whitespace() {
            chars.next();
            bump(c, &mut line, &mut col);
        } else if c == '/' && text_at(&chars, 1) == Some('/') {
            while let Some(&c) = chars.peek() {
                if c == '\n' {
                    break;
                }
                chars.next();
                bump(c, &mut line, &mut col);
            }
        } else if c == '/' && text_at(&chars, 1) == Some('*') {
            let mut prev = ' ';
            chars.next();
            bump('/', &mut line, &mut col);
            chars.next();
            bump('*', &mut line, &mut col);
            loop {
                let Some(c) = chars.next() else {
                    return Err(parse_error(path, l0, c0, "a /* comment is never closed"));
                };
                bump(c, &mut line, &mut col);
                if prev == '*' && c == '/' {
                    break;
                }
                prev = c;
            }
        } else if PUNCT.contains(&c) {
            chars.next();
            bump(c, &mut line, &mut col);
            tokens.push(Token { tok: Tok::Punct(c), line: l0, col: c0 });
        } else if c == '"' {
            chars.next();
            bump(c, &mut line, &mut col);
            let mut word = String::new();
            loop {
                match chars.next() {
                    Some('"') => {
                        bump('"', &mut line, &mut col);
                        break;
                    }
                    Some(c) => {
                        bump(c, &mut line, &mut col);
                        word.push(c);
                    }
                    None => return Err(parse_error(path, l0, c0, "a quoted name is never closed")),
                }
            }
            tokens.push(Token { tok: Tok::Word(word), line: l0, col: c0 });
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || PUNCT.contains(&c) || c == '"' {
                    break;
                }
                chars.next();
                bump(c, &mut line, &mut col);
                word.push(c);
            }
            tokens.push(Token { tok: Tok::Word(word), line: l0, col: c0 });
        }
    }
    Ok((tokens, (line, col)))
}

/// The character `k` places ahead of the iterator's next one.
fn text_at(chars: &std::iter::Peekable<std::str::Chars<'_>>, k: usize) -> Option<char> {
    chars.clone().nth(k)
}

fn parse_error(path: &Path, line: u64, col: usize, message: impl Into<String>) -> Error {
    Error::Parse { path: path.into(), line, column: Some(format!("{col}")), message: message.into() }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn here(&self) -> (u64, usize) {
        self.peek().map_or(self.end, |t| (t.line, t.col))
    }

    fn error(&self, message: impl Into<String>) -> Error {
        let (line, col) = self.here();
        parse_error(self.path, line, col, message)
    }

    fn describe(&self) -> String {
        match self.peek().map(|t| &t.tok) {
            None => "the end of the file".into(),
            Some(Tok::Word(w)) => format!("{w:?}"),
            Some(Tok::Punct(c)) => format!("'{c}'"),
        }
    }

    fn punct(&mut self, c: char) -> Result<()> {
        if self.peek().map(|t| &t.tok) == Some(&Tok::Punct(c)) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected '{c}', found {}", self.describe())))
        }
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().map(|t| &t.tok) == Some(&Tok::Punct(c))
    }

    fn word(&mut self, what: &str) -> Result<String> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(w)) => {
                self.at += 1;
                Ok(w)
            }
            _ => Err(self.error(format!("expected {what}, found {}", self.describe()))),
        }
    }

    fn number(&mut self) -> Result<f64> {
        let (line, col) = self.here();
        let w = self.word("a probability")?;
        w.parse::<f64>().map_err(|_| parse_error(self.path, line, col, format!("{w:?} is not a number")))
    }

    /// Skips a balanced `{ ... }` block (network properties).
    fn skip_block(&mut self) -> Result<()> {
        self.punct('{')?;
        let mut depth = 1;
        while depth > 0 {
            match self.peek().map(|t| &t.tok) {
                None => return Err(self.error("a '{' block is never closed")),
                Some(Tok::Punct('{')) => depth += 1,
                Some(Tok::Punct('}')) => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
        Ok(())
    }

    /// Skips to just after the next `;`.
    fn skip_statement(&mut self) -> Result<()> {
        while !self.is_punct(';') {
            if self.peek().is_none() {
                return Err(self.error("expected ';'"));
            }
            self.at += 1;
        }
        self.at += 1;
        Ok(())
    }

    /// A comma-separated list of numbers up to (not including) `;`.
    fn numbers(&mut self) -> Result<Vec<f64>> {
        let mut out = vec![self.number()?];
        while self.is_punct(',') {
            self.at += 1;
            out.push(self.number()?);
        }
        Ok(out)
    }
}

/// A variable's probability block: parents, the flat table, and where it was declared.
type Table = (Vec<usize>, Vec<f64>, u64, usize);

/// Where a variable was declared, for messages.
struct Declared {
    name: String,
    states: Vec<String>,
    line: u64,
    col: usize,
}

/// Reads a Bayesian network from a BIF file (plain or gzip-compressed).
pub fn read_bif(path: &Path) -> Result<DiscreteBn> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::invalid(path, format!("cannot decompress gzip data: {e}")))?;
        out
    } else {
        raw
    };
    let text = String::from_utf8(bytes).map_err(|_| Error::invalid(path, "the file is not valid UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(Error::Empty { path: path.into() });
    }
    let (tokens, end) = tokenize(path, &text)?;
    let mut p = Parser { path, tokens, at: 0, end };
    let mut vars: Vec<Declared> = Vec::new();
    let mut tables: Vec<Option<Table>> = Vec::new();
    while p.peek().is_some() {
        let (line, col) = p.here();
        let keyword = p.word("'network', 'variable' or 'probability'")?;
        match keyword.as_str() {
            "network" => {
                p.word("the network's name")?;
                p.skip_block()?;
            }
            "variable" => {
                let name = p.word("a variable name")?;
                if vars.iter().any(|v| v.name == name) {
                    return Err(parse_error(path, line, col, format!("variable {name:?} is declared twice")));
                }
                p.punct('{')?;
                let mut states = None;
                while !p.is_punct('}') {
                    let (l, c) = p.here();
                    match p.word("'type' or 'property'")?.as_str() {
                        "type" => {
                            let kind = p.word("'discrete'")?;
                            if kind != "discrete" {
                                return Err(parse_error(
                                    path,
                                    l,
                                    c,
                                    format!(
                                        "variable {name:?} has type {kind:?}; only discrete variables are supported"
                                    ),
                                ));
                            }
                            p.punct('[')?;
                            let (lk, ck) = p.here();
                            let k: usize = p
                                .word("the number of states")?
                                .parse()
                                .map_err(|_| parse_error(path, lk, ck, "the number of states is not a whole number"))?;
                            p.punct(']')?;
                            p.punct('{')?;
                            let mut list = vec![p.word("a state name")?];
                            while p.is_punct(',') {
                                p.at += 1;
                                list.push(p.word("a state name")?);
                            }
                            p.punct('}')?;
                            p.punct(';')?;
                            if list.len() != k {
                                return Err(parse_error(
                                    path,
                                    l,
                                    c,
                                    format!("variable {name:?} declares {k} states but lists {}", list.len()),
                                ));
                            }
                            if let Some(d) =
                                list.iter().enumerate().find_map(|(i, s)| list[..i].contains(s).then_some(s))
                            {
                                return Err(parse_error(
                                    path,
                                    l,
                                    c,
                                    format!("variable {name:?} lists state {d:?} twice"),
                                ));
                            }
                            states = Some(list);
                        }
                        "property" => p.skip_statement()?,
                        other => {
                            return Err(parse_error(
                                path,
                                l,
                                c,
                                format!("expected 'type' or 'property', found {other:?}"),
                            ));
                        }
                    }
                }
                p.punct('}')?;
                let Some(states) = states else {
                    return Err(parse_error(path, line, col, format!("variable {name:?} has no type line")));
                };
                vars.push(Declared { name, states, line, col });
                tables.push(None);
            }
            "probability" => {
                p.punct('(')?;
                let index = |p: &Parser<'_>, name: &str, l: u64, c: usize| {
                    vars.iter()
                        .position(|v| v.name == name)
                        .ok_or_else(|| parse_error(p.path, l, c, format!("unknown variable {name:?}")))
                };
                let (l, c) = p.here();
                let child_name = p.word("a variable name")?;
                let child = index(&p, &child_name, l, c)?;
                let mut parents = Vec::new();
                if p.is_punct('|') {
                    p.at += 1;
                    loop {
                        let (l, c) = p.here();
                        let name = p.word("a parent name")?;
                        let u = index(&p, &name, l, c)?;
                        if u == child || parents.contains(&u) {
                            return Err(parse_error(
                                path,
                                l,
                                c,
                                format!("parent {name:?} is listed twice or is the child"),
                            ));
                        }
                        parents.push(u);
                        if !p.is_punct(',') {
                            break;
                        }
                        p.at += 1;
                    }
                }
                p.punct(')')?;
                if tables[child].is_some() {
                    return Err(parse_error(
                        path,
                        line,
                        col,
                        format!("variable {child_name:?} has two probability blocks"),
                    ));
                }
                let k = vars[child].states.len();
                let radix: Vec<usize> = parents.iter().map(|&u| vars[u].states.len()).collect();
                let rows: usize = radix.iter().product();
                let mut table: Vec<Option<Vec<f64>>> = vec![None; rows];
                let mut default: Option<Vec<f64>> = None;
                p.punct('{')?;
                while !p.is_punct('}') {
                    let (l, c) = p.here();
                    let check_len = |values: &[f64], wanted: usize| {
                        if values.len() == wanted {
                            Ok(())
                        } else {
                            Err(parse_error(
                                path,
                                l,
                                c,
                                format!("{} probabilities given for {child_name:?}, expected {wanted}", values.len()),
                            ))
                        }
                    };
                    if p.is_punct('(') {
                        p.at += 1;
                        let mut row = 0usize;
                        for (idx, &u) in parents.iter().enumerate() {
                            if idx > 0 {
                                p.punct(',')?;
                            }
                            let (ls, cs) = p.here();
                            let state = p.word("a parent state")?;
                            let s = vars[u].states.iter().position(|x| *x == state).ok_or_else(|| {
                                parse_error(path, ls, cs, format!("{state:?} is not a state of {:?}", vars[u].name))
                            })?;
                            row = row * radix[idx] + s;
                        }
                        p.punct(')')?;
                        let values = p.numbers()?;
                        p.punct(';')?;
                        check_len(&values, k)?;
                        if table[row].is_some() {
                            return Err(parse_error(path, l, c, "this parent configuration is given twice"));
                        }
                        table[row] = Some(values);
                    } else {
                        match p.word("'table', 'default' or a parent configuration")?.as_str() {
                            "table" => {
                                let values = p.numbers()?;
                                p.punct(';')?;
                                if !parents.is_empty() {
                                    return Err(parse_error(
                                        path,
                                        l,
                                        c,
                                        format!(
                                            "a 'table' line for {child_name:?}, which has parents: give one row per parent configuration"
                                        ),
                                    ));
                                }
                                check_len(&values, k)?;
                                table[0] = Some(values);
                            }
                            "default" => {
                                let values = p.numbers()?;
                                p.punct(';')?;
                                check_len(&values, k)?;
                                default = Some(values);
                            }
                            "property" => p.skip_statement()?,
                            other => {
                                return Err(parse_error(
                                    path,
                                    l,
                                    c,
                                    format!("unexpected {other:?} in a probability block"),
                                ));
                            }
                        }
                    }
                }
                p.punct('}')?;
                let mut flat = Vec::with_capacity(rows * k);
                for (r, row) in table.into_iter().enumerate() {
                    match row.or_else(|| default.clone()) {
                        Some(v) => flat.extend(v),
                        None => {
                            let mut states = Vec::new();
                            let mut rest = r;
                            for (idx, &u) in parents.iter().enumerate().rev() {
                                states.push(vars[u].states[rest % radix[idx]].clone());
                                rest /= radix[idx];
                            }
                            states.reverse();
                            return Err(parse_error(
                                path,
                                line,
                                col,
                                format!(
                                    "{child_name:?} has no probabilities for the parent states ({})",
                                    states.join(", ")
                                ),
                            ));
                        }
                    }
                }
                tables[child] = Some((parents, flat, line, col));
            }
            other => {
                return Err(parse_error(
                    path,
                    line,
                    col,
                    format!("expected 'network', 'variable' or 'probability', found {other:?}"),
                ));
            }
        }
    }
    if vars.is_empty() {
        return Err(Error::invalid(path, "the file declares no variables"));
    }
    let mut parents = Vec::with_capacity(vars.len());
    let mut cpts = Vec::with_capacity(vars.len());
    let mut places = Vec::with_capacity(vars.len());
    for (v, t) in vars.iter().zip(tables) {
        let Some((ps, table, l, c)) = t else {
            return Err(parse_error(path, v.line, v.col, format!("variable {:?} has no probability block", v.name)));
        };
        parents.push(ps);
        cpts.push(table);
        places.push((l, c));
    }
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let states: Vec<Vec<String>> = vars.into_iter().map(|v| v.states).collect();
    DiscreteBn::new(names.clone(), states, parents, cpts).map_err(|e| {
        let at = |name: &str| names.iter().position(|n| n == name).map(|j| places[j]);
        match &e {
            BnError::RowSum { variable, .. } | BnError::BadProbability { variable, .. } => match at(variable) {
                Some((l, c)) => parse_error(path, l, c, e.to_string()),
                None => Error::invalid(path, e.to_string()),
            },
            _ => Error::invalid(path, e.to_string()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kausa-bif-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const SMALL: &str = "network test { }
// a comment
variable a { type discrete [ 2 ] { lo, hi }; property x = 1; }
variable b { type discrete [ 3 ] { <5, 5-12, >=12 }; }
/* block
   comment */
probability ( a ) { table 0.3, 0.7; }
probability ( b | a ) {
  (lo) 0.2, 0.3, 0.5;
  default 0.1, 0.1, 0.8;
}
";

    #[test]
    fn reads_states_tables_and_defaults() {
        let bn = read_bif(&write("small.bif", SMALL)).unwrap();
        assert_eq!(bn.names(), &["a", "b"]);
        assert_eq!(bn.states(1), &["<5", "5-12", ">=12"]);
        assert_eq!(bn.parents(1), &[0]);
        assert_eq!(bn.distribution(0, &[]), &[0.3, 0.7]);
        assert_eq!(bn.distribution(1, &[0]), &[0.2, 0.3, 0.5]);
        assert_eq!(bn.distribution(1, &[1]), &[0.1, 0.1, 0.8]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases = [
            (
                SMALL.replace("0.3, 0.7", "0.3, 0.6"),
                ":7: column 1: variable \"a\": the probabilities of row 0 sum to 0.8999999999999999, not 1",
            ),
            (SMALL.replace("(lo)", "(mid)"), ":9: column 4: \"mid\" is not a state of \"a\""),
            (SMALL.replace("table 0.3, 0.7;", "table 0.3 0.7;"), ":7: column 31: expected ';', found \"0.7\""),
            (SMALL.replace("( b | a )", "( b | c )"), ":8: column 19: unknown variable \"c\""),
            (SMALL.replace("[ 3 ]", "[ 4 ]"), ":4: column 14: variable \"b\" declares 4 states but lists 3"),
            (SMALL.replace("0.2, 0.3, 0.5", "0.2, 0.3"), ":9: column 3: 2 probabilities given for \"b\", expected 3"),
            (
                SMALL.replace("  default 0.1, 0.1, 0.8;\n", ""),
                ":8: column 1: \"b\" has no probabilities for the parent states (hi)",
            ),
            (SMALL.replace("0.2, 0.3", "0.2, x3"), ":9: column 13: \"x3\" is not a number"),
            (
                SMALL.replace("probability ( a ) { table 0.3, 0.7; }", ""),
                ":3: column 1: variable \"a\" has no probability block",
            ),
            (format!("{SMALL}probability ( a | b ) {{ default 0.5, 0.5; }}"), "two probability blocks"),
            (SMALL.replace("block\n   comment */", "block"), "never closed"),
        ];
        for (text, want) in cases {
            let m = read_bif(&write("bad.bif", &text)).unwrap_err().to_string();
            assert!(m.contains(want), "{m:?} lacks {want:?}");
            assert!(m.contains("bad.bif"), "{m}");
        }
        let cyclic =
            SMALL.replace("probability ( a ) { table 0.3, 0.7; }", "probability ( a | b ) { default 0.3, 0.7; }");
        let m = read_bif(&write("cyclic.bif", &cyclic)).unwrap_err().to_string();
        assert!(m.contains("cycle"), "{m}");
        assert!(read_bif(&write("empty.bif", "  \n")).unwrap_err().to_string().contains("empty"));
    }
}
