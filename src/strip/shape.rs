//! What an interface prompt or label looks like, as against a sentence of the story that uses
//! the same words.
//!
//! A rule with `shape = "label"` or `shape = "prompt"` in `rules.toml` removes a line only when
//! the line has that shape:
//!
//! - a **label** ("Share", "Advertisement", "12 comments", "Related: …") is not a fragment of a
//!   wrapped sentence (a line that starts in lowercase and ends in `.`, `,` or `;`: the "share."
//!   that ends "earnings per / share.") and quotes no one (no double quote or guillemet);
//! - a **prompt** ("Sign up for our newsletter", "Click here to subscribe", "Follow us on
//!   Twitter") is a label that starts with a capital (or a symbol), opens with an imperative or a
//!   word a page addresses its reader with ([`PROMPT_OPENERS`]: "sign", "subscribe", "get",
//!   "follow", "your", "our", "already"…), and tells nothing ("said", "told", "according"…:
//!   [`REPORTING_WORDS`]). "Parents must sign up for the vaccine clinic by May 1." opens with
//!   its subject, and "He paused, too emotional to continue reading the statement." too: both
//!   are sentences about the story, and stay.
//!
//! A dateline is no prompt either: the `protect` rules keep it whatever matched.

/// Words a page's prompts open with: imperatives, and the words a page addresses its reader
/// with. Lowercase; compared with the line's first word, punctuation trimmed.
#[rustfmt::skip]
pub const PROMPT_OPENERS: &[&str] = &[
    // English
    "sign", "signup", "sign-up", "subscribe", "subscribers", "subscriber", "subscription", "get",
    "join", "enter", "click", "tap", "follow", "like", "share", "read", "continue", "keep",
    "register", "log", "login", "create", "support", "download", "never", "don't", "do", "stay",
    "receive", "try", "unlock", "become", "start", "already", "want", "love", "enjoy", "thanks",
    "thank", "for", "to", "your", "our", "you", "you've", "you're", "free", "newsletter",
    "newsletters", "exclusive", "more", "see", "view", "watch", "listen", "email", "e-mail",
    "tweet", "print", "save", "copy", "find", "check", "discover", "explore", "learn", "be",
    "leave", "post", "add", "have", "got", "send", "please", "this", "related", "recommended",
    "trending", "most", "top", "latest", "further", "also", "up", "what", "editor's", "in", "we",
    "by", "cookies", "accept", "manage", "reach", "contact", "write", "tip", "ad", "let", "on",
    // French, German, Spanish, Italian, Portuguese, Dutch
    "abonnez-vous", "abonnez", "inscrivez-vous", "inscrivez", "recevez", "suivez", "partagez",
    "partager", "lire", "lisez", "voir", "découvrez", "cliquez", "à", "votre", "notre",
    "abonnieren", "abonniere", "abonnieren", "melden", "registrieren", "erhalten", "folgen",
    "folge", "teilen", "lesen", "mehr", "jetzt", "ihr", "unser", "unseren", "klicken",
    "suscríbete", "suscribete", "suscríbase", "regístrate", "registrate", "recibe", "síguenos",
    "siguenos", "sigue", "comparte", "compartir", "lee", "leer", "haz",
    "nuestro", "nuestra", "iscriviti", "abbonati", "ricevi", "seguici", "segui", "condividi",
    "leggi", "altro", "clicca", "assine", "inscreva-se", "cadastre-se", "receba",
    "siga", "compartilhe", "compartilhar", "leia", "veja", "clique",
    "nossa", "nosso", "schrijf", "meld", "abonneer", "ontvang", "volg", "deel", "delen", "lees",
    "klik", "uw", "onze",
];

/// Words that tell what someone said or did: a line with one is a sentence about the story.
#[rustfmt::skip]
pub const REPORTING_WORDS: &[&str] = &[
    "said", "says", "told", "tells", "according", "added", "reported", "announced", "asked",
    "explained", "wrote", "urged", "warned", "insisted", "claimed", "admitted", "stated",
    "déclaré", "affirmé", "indiqué", "expliqué", "selon", "sagte", "sagt", "erklärte", "laut",
    "dijo", "afirmó", "explicó", "según", "detto", "dichiarato", "spiegato", "secondo", "disse",
    "afirmou", "segundo", "zei", "zegt", "volgens",
];

const QUOTES: [char; 6] = ['"', '“', '”', '„', '«', '»'];

/// Whether a line can be a label: not a wrapped sentence's fragment, no quotation.
pub fn is_label(line: &str) -> bool {
    let line = line.trim();
    if line.contains(QUOTES) {
        return false;
    }
    let lowercase_start = line
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase);
    let sentence_end = line.ends_with(['.', ',', ';']) && !line.ends_with("...");
    !(lowercase_start && sentence_end)
}

/// Whether a line can be an interface prompt; `normalized` is its matching form
/// ([`crate::strip::rules::normalize_line`]).
pub fn is_prompt(line: &str, normalized: &str) -> bool {
    if !is_label(line) {
        return false;
    }
    if line
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
    {
        return false;
    }
    let mut words = normalized
        .split(' ')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-'));
    let opens = words
        .next()
        .is_some_and(|first| PROMPT_OPENERS.contains(&first));
    opens && !words.any(|w| REPORTING_WORDS.contains(&w))
}

/// Words of a story's telling in the past or announcing what is to come: a caption says what a
/// photo shows, now ("Mayor Pete Buttigieg speaks during a fundraiser, Sunday, Nov. 17, 2019, in
/// Las Vegas."); a story tells what happened ("John Smith died on Tuesday, Nov. 19, 2019, in Los
/// Angeles.") or will ("The debate is scheduled for Wednesday, Nov. 20, 2019, in Atlanta.").
#[rustfmt::skip]
const PAST_WORDS: &[&str] = &[
    "was", "were", "had", "did", "died", "born", "killed", "would", "could", "became",
    "went", "came", "began", "took", "made", "got", "won", "lost", "saw", "met",
    "will", "scheduled", "expected", "planned", "due",
];

/// Whether a line, in its matching form `normalized` ([`crate::strip::rules::normalize_line`],
/// quotes made straight), can be a photo's caption: no quotation, and no word that reports
/// ([`REPORTING_WORDS`]), tells in the past or announces ([`PAST_WORDS`]).
pub fn is_caption(normalized: &str) -> bool {
    !normalized.contains('"')
        && !normalized
            .split(' ')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .any(|w| REPORTING_WORDS.contains(&w) || PAST_WORDS.contains(&w))
}

/// The fewest items of a keyword list.
const MIN_KEYWORDS: usize = 6;
/// The most words of one keyword.
const MAX_KEYWORD_WORDS: usize = 6;

/// Whether a line is a page's list of keywords (its tags, for search engines): [`MIN_KEYWORDS`]
/// items or more separated by commas, each of [`MAX_KEYWORD_WORDS`] words at most, no sentence
/// ended, and one word of four letters or more in two thirds of the items or more: "calendario
/// stock car 2018, stock car brasil, stock car cascavel, stock car interlagos, …". A list in a
/// story names different things ("Bob Marley, Bruno Mars, Drake, The Eagles, Jay Z, Frank
/// Sinatra").
pub fn is_keyword_list(line: &str) -> bool {
    let line = line.trim();
    if line.ends_with(['.', '!', '?'])
        || memchr::memchr_iter(b',', line.as_bytes()).count() + 1 < MIN_KEYWORDS
    {
        return false;
    }
    let items: Vec<&str> = line.split(',').map(str::trim).collect();
    if items.iter().any(|item| {
        let words = item.split_whitespace().count();
        words == 0 || words > MAX_KEYWORD_WORDS
    }) {
        return false;
    }
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in &items {
        let mut words: Vec<String> = item
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect();
        words.sort_unstable();
        words.dedup();
        for word in words {
            *counts.entry(word).or_default() += 1;
        }
    }
    let most = counts.values().copied().max().unwrap_or(0);
    most * 3 >= items.len() * 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strip::rules::normalize_line;

    fn prompt(line: &str) -> bool {
        is_prompt(line, normalize_line(line, &mut String::new()))
    }

    #[test]
    fn prompts_open_like_prompts_and_tell_nothing() {
        for line in [
            "Sign up for our daily newsletter",
            "Subscribe to continue reading.",
            "Already a subscriber? Log in",
            "Follow us on Twitter",
            "Get the latest headlines delivered to your inbox",
            "Abonnez-vous à notre newsletter",
        ] {
            assert!(prompt(line), "{line}");
        }
        for line in [
            "Parents must sign up for the vaccine clinic by May 1.",
            "He paused, too emotional to continue reading the statement.",
            "Sign up for our newsletter, the company told customers.",
            "“Follow us on Twitter,” the campaign urged supporters.",
            "sign up for the paid",
        ] {
            assert!(!prompt(line), "{line}");
        }
    }

    #[test]
    fn keyword_lists_repeat_their_words() {
        assert!(is_keyword_list(
            "calendario stock car 2018, stock car brasil, stock car cascavel, stock car corrida \
             milhão, stock car interlagos, stock car santa cruz do sul, stock car taruma"
        ));
        for line in [
            "A: Bob Marley, Bruno Mars, Drake, The Eagles, Jay Z, Frank Sinatra",
            // A sentence ends.
            "stock car brasil, stock car cascavel, stock car interlagos, stock car taruma, stock \
             car velopark, stock car londrina.",
            // Too few items.
            "stock car brasil, stock car cascavel, stock car interlagos",
            // A long item is a clause.
            "stock car brasil, stock car cascavel, stock car interlagos, stock car taruma, stock \
             car velopark, and the stock car race that ran in the rain all day",
        ] {
            assert!(!is_keyword_list(line), "{line}");
        }
    }

    #[test]
    fn labels_are_not_fragments_or_quotes() {
        assert!(is_label("Share"));
        assert!(is_label("share"));
        assert!(is_label("Read more..."));
        assert!(!is_label("share."));
        assert!(!is_label("more,"));
        assert!(!is_label("“Listen: we will not back down”"));
    }
}
