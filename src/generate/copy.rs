//! PostgreSQL's binary COPY format, written straight into a buffer: no text
//! to format here and none for the server to parse (timestamps above all).

use std::io::Write as _;

use chrono::{DateTime, Utc};

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// `int2`'s type oid, for the element type of `smallint[]`.
const INT2_OID: i32 = 21;

/// One table's rows in binary COPY format.
pub struct CopyRows {
    buf: Vec<u8>,
    rows: u64,
}

impl CopyRows {
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes + 32);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension
        Self { buf, rows: 0 }
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Starts a row of `fields` values.
    pub fn row(&mut self, fields: i16) {
        self.rows += 1;
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    fn len(&mut self, n: usize) {
        self.buf.extend_from_slice(&(n as i32).to_be_bytes());
    }

    pub fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.len(8);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i32(&mut self, v: i32) {
        self.len(4);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i16(&mut self, v: i16) {
        self.len(2);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.len(8);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
    }

    pub fn bool(&mut self, v: bool) {
        self.len(1);
        self.buf.push(u8::from(v));
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    pub fn text(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// A text value written by `f` (so nothing is formatted twice).
    pub fn text_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let at = self.buf.len();
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        f(&mut self.buf);
        let n = (self.buf.len() - at - 4) as i32;
        self.buf[at..at + 4].copy_from_slice(&n.to_be_bytes());
    }

    /// A text value from `format_args!`.
    pub fn text_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        self.text_with(|b| b.write_fmt(args).expect("writing to a Vec"));
    }

    pub fn ts(&mut self, t: DateTime<Utc>) {
        self.i64(t.timestamp_micros() - PG_EPOCH_MICROS);
    }

    pub fn opt_ts(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.ts(t),
            None => self.null(),
        }
    }

    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.i64(v),
            None => self.null(),
        }
    }

    pub fn opt_i32(&mut self, v: Option<i32>) {
        match v {
            Some(v) => self.i32(v),
            None => self.null(),
        }
    }

    pub fn opt_i16(&mut self, v: Option<i16>) {
        match v {
            Some(v) => self.i16(v),
            None => self.null(),
        }
    }

    pub fn opt_text(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A `jsonb` value: a version byte, then the JSON text.
    pub fn jsonb(&mut self, json: &str) {
        self.len(json.len() + 1);
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
    }

    /// A one-dimensional `smallint[]` without NULLs.
    pub fn i16_array(&mut self, values: &[i16]) {
        if values.is_empty() {
            self.len(12);
            self.buf.extend_from_slice(&0i32.to_be_bytes()); // dimensions
            self.buf.extend_from_slice(&0i32.to_be_bytes()); // has nulls
            self.buf.extend_from_slice(&INT2_OID.to_be_bytes());
            return;
        }
        self.len(20 + values.len() * 6);
        self.buf.extend_from_slice(&1i32.to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self.buf.extend_from_slice(&INT2_OID.to_be_bytes());
        self.buf
            .extend_from_slice(&(values.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(&1i32.to_be_bytes()); // lower bound
        for v in values {
            self.buf.extend_from_slice(&2i32.to_be_bytes());
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// The rows with the format's trailer, ready to send.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}
