//! The uploaded file's records, read chunk by chunk from the database: one chunk and one
//! record in memory at a time, whatever the file's size.

use crate::server::Error;
use csv_core::{ReadRecordResult, Reader};
use sqlx::PgPool;

/// A record longer than this, or with more fields, stops the import.
const MAX_RECORD: usize = 1024 * 1024;
const MAX_FIELDS: usize = 500;

pub(super) struct Records {
    db: PgPool,
    import_id: i64,
    next_chunk: i32,
    chunk: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Bytes of the file read so far.
    pub read: i64,
    /// Records returned so far (the header is record 1).
    pub count: u32,
    reader: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Records {
    pub fn new(db: PgPool, import_id: i64) -> Self {
        Self {
            db,
            import_id,
            next_chunk: 0,
            chunk: Vec::new(),
            pos: 0,
            eof: false,
            read: 0,
            count: 0,
            reader: Reader::new(),
            out: vec![0; 4096],
            ends: vec![0; 32],
        }
    }

    /// The next record's fields, `None` at the end of the file, or why the file cannot be
    /// read on (as the message for staff).
    pub async fn next(&mut self) -> Result<Option<Result<Vec<String>, String>>, Error> {
        let (mut olen, mut elen) = (0, 0);
        loop {
            if self.pos >= self.chunk.len() && !self.eof {
                self.fetch().await?;
            }
            let input = &self.chunk[self.pos..];
            let (result, nin, nout, nend) =
                self.reader
                    .read_record(input, &mut self.out[olen..], &mut self.ends[elen..]);
            self.pos += nin;
            self.read += nin as i64;
            olen += nout;
            elen += nend;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull if self.out.len() < MAX_RECORD => {
                    self.out.resize(self.out.len() * 2, 0)
                }
                ReadRecordResult::OutputEndsFull if self.ends.len() < MAX_FIELDS => {
                    self.ends.resize(self.ends.len() * 2, 0)
                }
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                    return Ok(Some(Err(format!(
                        "row {} is longer than 1 MB or has more than {MAX_FIELDS} columns",
                        self.count + 1
                    ))))
                }
                ReadRecordResult::Record => {
                    self.count += 1;
                    let mut fields = Vec::with_capacity(elen);
                    let mut start = 0;
                    for &end in &self.ends[..elen] {
                        match std::str::from_utf8(&self.out[start..end]) {
                            Ok(text) => fields.push(text.to_owned()),
                            Err(_) => {
                                return Ok(Some(Err(format!(
                                    "row {} is not UTF-8 text: save the file as \"CSV UTF-8\" and upload it again",
                                    self.count
                                ))))
                            }
                        }
                        start = end;
                    }
                    return Ok(Some(Ok(fields)));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    async fn fetch(&mut self) -> Result<(), Error> {
        let chunk = sqlx::query_scalar!(
            "SELECT data FROM catalog_import_chunks WHERE import_id = $1 AND n = $2",
            self.import_id,
            self.next_chunk
        )
        .fetch_optional(&self.db)
        .await?;
        self.next_chunk += 1;
        self.pos = 0;
        match chunk {
            Some(data) => self.chunk = data,
            None => {
                self.chunk = Vec::new();
                self.eof = true;
            }
        }
        Ok(())
    }
}
