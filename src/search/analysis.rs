//! Text analysis shared by indexing and querying, and by both search backends: folding
//! (NFKC, width, case, punctuation), traditional → simplified, CJK bigrams with generic words
//! marked, pinyin (for homophones and typed pinyin), ASCII words, hosts and codes.
//!
//! Backends index the *tokens* produced here: tantivy as they are, Meilisearch spelt in plain
//! lower-case letters so that its own tokenizer (jieba, say) cannot split or merge them.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

/// Words that appear in thousands of firm names and say nothing about which firm is meant.
/// A bigram wholly inside one of them never outweighs the distinctive part of a name.
const GENERIC_WORDS: &[&str] = &[
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "科技",
    "网络",
    "信息",
    "技术",
    "服务",
    "金融",
    "投资",
    "管理",
    "资产",
    "咨询",
    "商务",
    "商贸",
    "贸易",
    "实业",
    "控股",
    "发展",
    "电子商务",
    "互联网",
    "数字",
    "平台",
    "理财",
    "股权",
    "财富",
    "中心",
    "交易",
    "代理",
    "保险",
    "支付",
    "健康",
    "文化",
    "传媒",
    "国际",
    "中国",
    "中华",
    "全国",
    "企业",
    "经营",
    "工作室",
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// ASCII words that carry no identity (`钱满仓APP`).
const GENERIC_ASCII: &[&str] = &[
    "app", "apk", "www", "com", "cn", "net", "org", "vip", "pro", "plus",
];

pub use crate::domain::normalize::{fold, is_cjk, registrable_domain};

/// The generic words as characters, by first character, longest first: built once, since
/// every indexed name and every query is masked.
fn generic_words_by_first() -> &'static HashMap<char, Vec<Vec<char>>> {
    static WORDS: OnceLock<HashMap<char, Vec<Vec<char>>>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut by_first: HashMap<char, Vec<Vec<char>>> = HashMap::new();
        for w in GENERIC_WORDS {
            let chars: Vec<char> = w.chars().collect();
            by_first.entry(chars[0]).or_default().push(chars);
        }
        for words in by_first.values_mut() {
            words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        }
        by_first
    })
}

/// Marks which characters of a folded string lie inside a generic word (the longest that
/// starts at each position, left to right).
fn generic_mask(chars: &[char]) -> Vec<bool> {
    let words = generic_words_by_first();
    let mut mask = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let matched = words
            .get(&chars[i])
            .and_then(|ws| ws.iter().find(|w| chars[i..].starts_with(w)))
            .map_or(0, Vec::len);
        if matched > 0 {
            mask[i..i + matched].iter_mut().for_each(|m| *m = true);
            i += matched;
        } else {
            i += 1;
        }
    }
    mask
}

/// A CJK bigram of a folded string, and whether it is generic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bigram {
    pub text: String,
    pub generic: bool,
}

/// The CJK bigrams of a folded string (runs of CJK characters only), in order, deduplicated.
pub fn bigrams(folded: &str) -> Vec<Bigram> {
    let chars: Vec<char> = folded.chars().collect();
    let mask = generic_mask(&chars);
    let mut out: Vec<Bigram> = Vec::new();
    for i in 0..chars.len().saturating_sub(1) {
        if is_cjk(chars[i]) && is_cjk(chars[i + 1]) {
            let text: String = chars[i..i + 2].iter().collect();
            if !out.iter().any(|b| b.text == text) {
                out.push(Bigram {
                    text,
                    generic: mask[i] && mask[i + 1],
                });
            }
        }
    }
    out
}

/// How many characters of the folded `f`, from char position `start` for `len` characters,
/// say which firm is meant: characters outside generic words (`科技`, `有限公司`, province
/// names), and ASCII letters and digits of non-generic words lying wholly inside the span (so
/// `ab` cut from `abc稳盈` counts for nothing, `jdj` of `jdj理财` for three).
pub fn distinctive_in(f: &str, start: usize, len: usize) -> usize {
    let chars: Vec<char> = f.chars().collect();
    let end = (start + len).min(chars.len());
    let mask = generic_mask(&chars);
    let mut count = 0;
    let mut i = start;
    while i < end {
        if chars[i].is_ascii_alphanumeric() {
            let (mut a, mut b) = (i, i);
            while a > 0 && chars[a - 1].is_ascii_alphanumeric() {
                a -= 1;
            }
            while b < chars.len() && chars[b].is_ascii_alphanumeric() {
                b += 1;
            }
            let word: String = chars[a..b].iter().collect();
            if a >= start && b <= end && !is_generic_ascii(&word) {
                count += b - a;
            }
            i = b.max(i + 1);
        } else {
            if !mask[i] {
                count += 1;
            }
            i += 1;
        }
    }
    count
}

/// The most distinctive characters (see [`distinctive_in`]) that any occurrence of `part`
/// inside the folded `f` covers; 0 when `part` does not occur.
pub fn distinctive_part(f: &str, part: &str) -> usize {
    let len = part.chars().count();
    if len == 0 {
        return 0;
    }
    f.char_indices()
        .enumerate()
        .filter(|(_, (byte, _))| f[*byte..].starts_with(part))
        .map(|(pos, _)| distinctive_in(f, pos, len))
        .max()
        .unwrap_or(0)
}

/// Runs of ASCII letters and digits in a folded string (`jdj理财` → `jdj`).
pub fn ascii_words(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in folded.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            cur.push(c);
        } else if !cur.is_empty() {
            if !out.contains(&cur) {
                out.push(std::mem::take(&mut cur));
            } else {
                cur.clear();
            }
        }
    }
    out
}

pub fn is_generic_ascii(w: &str) -> bool {
    GENERIC_ASCII.contains(&w)
}

/// Every pinyin syllable (without tone), for segmenting typed pinyin.
fn syllables() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = HashSet::new();
        for cp in 0x4E00u32..=0x9FA5 {
            if let Some(multi) = char::from_u32(cp).and_then(|c| c.to_pinyin_multi()) {
                for p in multi {
                    set.insert(p.plain());
                }
            }
        }
        set
    })
}

/// The readings of one character (several for polyphonic characters, at most three), kept
/// inline: ranking looks them up for every candidate name.
#[derive(Clone, Copy, Default)]
struct Readings {
    all: [&'static str; 3],
    len: usize,
}

impl Readings {
    fn of(c: char) -> Readings {
        let mut r = Readings::default();
        if let Some(multi) = c.to_pinyin_multi().filter(|_| is_cjk(c)) {
            for p in multi {
                if r.len < 3 && !r.get().contains(&p.plain()) {
                    r.all[r.len] = p.plain();
                    r.len += 1;
                }
            }
        }
        r
    }

    fn get(&self) -> &[&'static str] {
        &self.all[..self.len]
    }
}

/// The readings of each character of a folded string; non-CJK characters get none and break
/// pinyin runs.
fn readings(chars: &[char]) -> Vec<Readings> {
    chars.iter().map(|c| Readings::of(*c)).collect()
}

/// The positions `i` whose characters `i` and `i + 1` make a syllable bigram (`qian|man`):
/// both Chinese, and not both inside a generic word (`理财`, `科技`), as for character
/// bigrams.
fn pair_starts<'a>(chars: &[char], r: &'a [Readings]) -> impl Iterator<Item = usize> + 'a {
    let mask = generic_mask(chars);
    (0..r.len().saturating_sub(1))
        .filter(move |&i| !(r[i].len == 0 || r[i + 1].len == 0 || mask[i] && mask[i + 1]))
}

/// Syllable bigrams of adjacent Chinese characters (see [`pair_starts`]), one group per pair
/// with an entry per combination of readings.
fn pair_groups(chars: &[char], r: &[Readings]) -> Vec<Vec<String>> {
    pair_starts(chars, r)
        .map(|i| {
            let mut group = Vec::new();
            for a in r[i].get() {
                for b in r[i + 1].get() {
                    group.push(format!("{a}|{b}"));
                }
            }
            group
        })
        .collect()
}

/// The pinyin pair groups of a query: every group must be matched by one of its entries.
pub fn pinyin_pairs(folded: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = folded.chars().collect();
    pair_groups(&chars, &readings(&chars))
}

/// Both pinyin forms of a name, with its readings looked up once: every syllable bigram, and
/// the first-reading string (`qianmancang`).
pub fn pinyin_forms(folded: &str) -> (Vec<String>, String) {
    let chars: Vec<char> = folded.chars().collect();
    let r = readings(&chars);
    let mut pairs: Vec<String> = Vec::new();
    for p in pair_groups(&chars, &r).into_iter().flatten() {
        if !pairs.contains(&p) {
            pairs.push(p);
        }
    }
    (pairs, first_readings(&r))
}

/// The first reading of each character, joined (`qianmancang`).
fn first_readings(r: &[Readings]) -> String {
    r.iter().filter_map(|x| x.get().first().copied()).collect()
}

/// What [`pinyin_forms`] of a name says about a query, without building either form:
/// whether the name has a pair of every one of `groups`, and whether its first-reading string
/// contains `typed`. Ranking asks it of every candidate that shares characters with a query.
pub fn pinyin_match(folded: &str, groups: &[Vec<String>], typed: Option<&str>) -> (bool, bool) {
    let chars: Vec<char> = folded.chars().collect();
    let r = readings(&chars);
    let starts: Vec<usize> = pair_starts(&chars, &r).collect();
    let has = |pair: &str| {
        pair.split_once('|').is_some_and(|(a, b)| {
            starts
                .iter()
                .any(|&i| r[i].get().contains(&a) && r[i + 1].get().contains(&b))
        })
    };
    let all_pairs = groups.iter().all(|group| group.iter().any(|p| has(p)));
    let typed_in = typed.is_some_and(|t| first_readings(&r).contains(t));
    (all_pairs, typed_in)
}

/// Splits typed pinyin (`qianmancang`, `an bao tong`) into syllables, preferring fewer;
/// `None` when some part is not pinyin.
pub fn segment_pinyin(typed: &str) -> Option<Vec<&'static str>> {
    let set = syllables();
    let mut out = Vec::new();
    for chunk in typed.split_whitespace() {
        let chunk = chunk.to_ascii_lowercase();
        if !chunk.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let n = chunk.len();
        // best[i]: fewest syllables covering chunk[..i], with the last syllable's start.
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for end in 1..=n {
            for start in end.saturating_sub(6)..end {
                let Some((count, _)) = best[start] else {
                    continue;
                };
                if set.contains(&chunk[start..end]) && best[end].is_none_or(|(c, _)| count + 1 < c)
                {
                    best[end] = Some((count + 1, start));
                }
            }
        }
        best[n]?;
        let mut parts = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start) = best[end]?;
            parts.push(*set.get(&chunk[start..end])?);
            end = start;
        }
        parts.reverse();
        out.extend(parts);
    }
    (!out.is_empty()).then_some(out)
}

/// Token kinds, each a one-letter prefix of the encoded token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A CJK bigram.
    Bigram,
    /// A pinyin syllable bigram.
    Pinyin,
    /// An ASCII word of a name.
    Word,
    /// A whole folded name or alias.
    Name,
    /// A web host, or its first label.
    Host,
    /// A credit code.
    Code,
    /// Phone digits.
    Phone,
}

impl TokenKind {
    /// Whether `token` (as [`encode`] makes them) is of this kind.
    pub fn marks(self, token: &str) -> bool {
        token.starts_with(self.prefix())
    }

    fn prefix(self) -> char {
        match self {
            TokenKind::Bigram => 'b',
            TokenKind::Pinyin => 'p',
            TokenKind::Word => 'w',
            TokenKind::Name => 'n',
            TokenKind::Host => 'h',
            TokenKind::Code => 'c',
            TokenKind::Phone => 't',
        }
    }
}

/// A token: the kind's prefix, then the text (which has no whitespace: folded text, hosts,
/// codes and pinyin pairs never do).
pub fn encode(kind: TokenKind, text: &str) -> String {
    let mut out = String::with_capacity(1 + text.len());
    out.push(kind.prefix());
    out.push_str(text);
    out
}

/// A token as one short word of lower-case letters, for engines with tokenizers of their
/// own (Meilisearch would re-split Chinese and punctuation): 47 bits of the token's SHA-256
/// in 10 letters. Every token costs the same few bytes in each of the engine's word
/// databases, however long the name, and stays under its word-length limit. Among the ten
/// million distinct tokens of a million entries, a collision is less likely than not, and
/// one would only propose a candidate that ranking rejects.
pub fn as_word(token: &str) -> String {
    use sha2::Digest;
    const LETTERS: usize = 10;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let mut n = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut out = String::with_capacity(LETTERS);
    for _ in 0..LETTERS {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    out
}

/// Digits of a phone number.
pub fn phone_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The first label of a host's registrable domain (`qianmancang` of `m.qianmancang.com`):
/// the name a registrant chose, never a sub-domain label such as `m` or `app`.
pub fn host_label(host: &str) -> String {
    let domain = registrable_domain(host);
    domain.split('.').next().unwrap_or(&domain).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_bigrams_are_marked() {
        let b = bigrams(&fold("郑州汇鑫宝网络科技有限公司"));
        let generic: Vec<&str> = b
            .iter()
            .filter(|b| b.generic)
            .map(|b| b.text.as_str())
            .collect();
        let distinct: Vec<&str> = b
            .iter()
            .filter(|b| !b.generic)
            .map(|b| b.text.as_str())
            .collect();
        assert!(
            generic.contains(&"科技") && generic.contains(&"公司") && generic.contains(&"网络")
        );
        assert!(distinct.contains(&"汇鑫") && distinct.contains(&"鑫宝"));
        assert!(!distinct.contains(&"科技"));
    }

    #[test]
    fn distinctive_characters_leave_out_generic_words_and_cut_ascii_words() {
        let name = fold("河南钱满仓金融信息服务有限公司");
        assert_eq!(distinctive_part(&name, "满仓"), 2);
        assert_eq!(distinctive_part(&name, "金融信息服务"), 0);
        assert_eq!(distinctive_part(&name, "仓金融"), 1);
        // 南 belongs to the province name 河南.
        assert_eq!(distinctive_part(&name, "南钱"), 1);
        assert_eq!(distinctive_part(&name, "钱多"), 0);
        assert_eq!(distinctive_part("abc稳盈", "ab"), 0);
        assert_eq!(distinctive_part("abc稳盈", "abc"), 3);
        assert_eq!(distinctive_part("jdj理财", "jdj理财"), 3);
        assert_eq!(distinctive_part("钱满仓app", "钱满仓app"), 3);
        assert_eq!(distinctive_in("易贷通", 0, 3), 3);
    }

    #[test]
    fn typed_pinyin_is_segmented() {
        assert_eq!(
            segment_pinyin("qianmancang").unwrap(),
            vec!["qian", "man", "cang"]
        );
        assert_eq!(
            segment_pinyin("an bao tong").unwrap(),
            vec!["an", "bao", "tong"]
        );
        assert_eq!(segment_pinyin("wenying").unwrap(), vec!["wen", "ying"]);
        assert!(segment_pinyin("abc").is_none());
        assert!(segment_pinyin("jdj").is_none());
    }

    #[test]
    fn homophones_share_pinyin_bigrams() {
        let (a, string) = pinyin_forms(&fold("钱满仓"));
        let (b, _) = pinyin_forms(&fold("钱满苍"));
        assert!(b.iter().all(|x| a.contains(x)), "{a:?} {b:?}");
        assert_eq!(string, "qianmancang");
    }

    /// `pinyin_match` answers what the sets of `pinyin_forms` answered before it (ranking
    /// used them): polyphonic characters, generic words, Latin letters breaking a run.
    #[test]
    fn pinyin_match_agrees_with_pinyin_forms() {
        let names = [
            "钱满仓",
            "钱满苍",
            "重庆银行理财",
            "长安汇鑫宝",
            "汇鑫宝app",
            "乐行天下科技有限公司",
            "行长",
            "xy钱满仓",
            "钱a满仓",
            "投资管理",
            "中行",
            "",
        ];
        let typed = [None, Some("qianmancang"), Some("zhongqing"), Some("chang")];
        let mut agreed = 0;
        for name in names {
            let f = fold(name);
            let (pairs, string) = pinyin_forms(&f);
            for query in names {
                let groups = pinyin_pairs(&fold(query));
                for t in typed {
                    let all = groups.iter().all(|g| g.iter().any(|p| pairs.contains(p)));
                    let typed_in = t.is_some_and(|t| string.contains(t));
                    assert_eq!(
                        pinyin_match(&f, &groups, t),
                        (all, typed_in),
                        "{name} / {query} / {t:?}"
                    );
                    agreed += usize::from(all) + usize::from(typed_in);
                }
            }
        }
        // Not only agreement on "no".
        assert!(agreed > 20, "{agreed}");
    }

    #[test]
    fn tokens_as_words_are_short_letters_and_stay_distinct() {
        let t = as_word(&encode(TokenKind::Bigram, "汇鑫"));
        assert!(t.bytes().all(|b| b.is_ascii_lowercase()), "{t}");
        assert_eq!(t.len(), 10);
        assert_ne!(t, as_word(&encode(TokenKind::Bigram, "鑫汇")));
        assert_eq!(t, as_word(&encode(TokenKind::Bigram, "汇鑫")));
        let long = encode(
            TokenKind::Name,
            &"郑州市金水区某某网络科技有限公司".repeat(8),
        );
        assert_eq!(as_word(&long).len(), 10);
        assert_ne!(encode(TokenKind::Word, "ab"), encode(TokenKind::Host, "ab"));
    }
}
