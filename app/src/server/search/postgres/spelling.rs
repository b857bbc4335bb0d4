//! Spelling correction: each word replaced by the closest vocabulary word when it is not
//! one itself.

use super::CORRECTION_CANDIDATES;
use crate::server::Error;
use sqlx::PgPool;

/// Each word replaced by the closest vocabulary word when it is not one itself: candidates
/// by trigram distance, chosen by edit distance (a swapped pair of letters counts as one
/// edit), at most 1 edit for words up to 4 letters and 2 beyond.
pub(super) async fn correct(db: &PgPool, words: &[String]) -> Result<Vec<String>, Error> {
    let rows = sqlx::query!(
        r#"SELECT q.i AS "i!", c.word AS "candidate?"
           FROM unnest($1::text[]) WITH ORDINALITY AS q (word, i)
           LEFT JOIN LATERAL (
               SELECT w.word FROM search_words w
               ORDER BY w.word <-> q.word, w.word
               LIMIT $2
           ) c ON true
           ORDER BY q.i"#,
        words,
        CORRECTION_CANDIDATES,
    )
    .fetch_all(db)
    .await?;
    let mut corrected = words.to_vec();
    for (index, word) in words.iter().enumerate() {
        let allowed = if word.chars().count() <= 4 { 1 } else { 2 };
        let best = rows
            .iter()
            .filter(|r| usize::try_from(r.i - 1).ok() == Some(index))
            .filter_map(|r| r.candidate.as_deref())
            .map(|c| (edit_distance(word, c), c))
            .filter(|(d, _)| *d <= allowed)
            .min_by_key(|(d, _)| *d);
        if let Some((_, c)) = best {
            corrected[index] = c.to_owned();
        }
    }
    Ok(corrected)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
