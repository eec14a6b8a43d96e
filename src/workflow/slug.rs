//! Address names (slugs) suggested from a title: the pinyin of Chinese characters and the
//! letters and digits of the rest, joined by hyphens.

use pinyin::ToPinyin;

use crate::domain::article::parse_slug;

/// Longest suggestion (the rule allows 80).
const MAX: usize = 60;

pub fn suggest(title: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut ascii = String::new();
    for c in crate::domain::normalize::fold(title).chars() {
        match c.to_pinyin() {
            Some(p) => {
                if !ascii.is_empty() {
                    words.push(std::mem::take(&mut ascii));
                }
                words.push(p.plain().to_string());
            }
            None if c.is_ascii_alphanumeric() => ascii.push(c),
            None => {
                if !ascii.is_empty() {
                    words.push(std::mem::take(&mut ascii));
                }
            }
        }
    }
    if !ascii.is_empty() {
        words.push(ascii);
    }
    let mut slug = String::new();
    for w in words {
        if slug.len() + w.len() + 1 > MAX {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&w);
    }
    if parse_slug(&slug).is_ok() {
        slug
    } else {
        "article".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_pinyin_slugs() {
        assert_eq!(suggest("警惕高收益P2P"), "jing-ti-gao-shou-yi-p2p");
        assert_eq!(suggest("！！！"), "article");
        let long = suggest(&"风险提示".repeat(20));
        assert!(long.len() <= MAX && parse_slug(&long).is_ok());
    }
}
