//! Marks the parts of a name that match the query, for `<mark>` on result pages.

use super::analysis::{fold, is_cjk};
use super::query::AnalyzedQuery;

/// Splits `name` into runs, each flagged when it matches: the folded query as a whole, or any
/// of its bigrams and ASCII words.
pub fn highlight(name: &str, q: &AnalyzedQuery) -> Vec<(String, bool)> {
    // Fold character by character so that positions map back to the original.
    let chars: Vec<char> = name.chars().collect();
    let folded: Vec<Option<char>> = chars
        .iter()
        .map(|c| fold(&c.to_string()).chars().next())
        .collect();
    let mut marks = vec![false; chars.len()];
    let positions: Vec<usize> = (0..chars.len()).filter(|&i| folded[i].is_some()).collect();
    let text: Vec<char> = positions.iter().filter_map(|&i| folded[i]).collect();
    let mut needles: Vec<Vec<char>> = Vec::new();
    if !q.folded.is_empty() && q.code.is_none() && q.host.is_none() {
        needles.push(q.folded.chars().collect());
    }
    needles.extend(q.bigrams.iter().map(|b| b.text.chars().collect()));
    needles.extend(q.words.iter().map(|w| w.chars().collect()));
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        if needle.len() == 1 && !is_cjk(needle[0]) {
            continue;
        }
        for start in 0..text.len() {
            if text[start..].starts_with(needle) {
                for k in start..start + needle.len() {
                    marks[positions[k]] = true;
                }
            }
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    for (c, m) in chars.into_iter().zip(marks) {
        match out.last_mut() {
            Some((s, flag)) if *flag == m => s.push(c),
            _ => out.push((c.to_string(), m)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matching_part_is_marked() {
        let q = AnalyzedQuery::new("满仓");
        let h = highlight("河南钱满仓金融信息服务有限公司", &q);
        assert_eq!(h[1], ("满仓".to_string(), true));
        let q = AnalyzedQuery::new("錢滿倉");
        let h = highlight("钱满仓APP", &q);
        assert_eq!(h[0], ("钱满仓".to_string(), true));
    }
}
