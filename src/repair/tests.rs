//! Repair must never break correct text, and must undo every misreading it claims to: real
//! sentences in many scripts pass through unchanged, and the same sentences misread as each
//! supported encoding, one and two layers deep, come back exactly.

use proptest::prelude::*;

use super::charmap::{misread, CHARMAPS};
use super::Repairer;

/// Real sentences, with the characters mojibake is made of in legitimate use.
pub const SENTENCES: [&str; 24] = [
    "The ceasefire collapsed on Monday after an aid convoy was hit near Aleppo.",
    "Le convoi d’aide humanitaire a été bombardé près d’Alep, a déclaré l’ONU à Genève.",
    "Die Außenminister trafen sich in New York, aber die Gespräche über Syrien scheiterten.",
    "Zażółć gęślą jaźń: rozmowy w Nowym Jorku zakończyły się bez porozumienia.",
    "Türkiye, Suriye’deki ateşkesin çöktüğünü ve görüşmelerin başarısız olduğunu açıkladı.",
    "Οι υπουργοί Εξωτερικών συναντήθηκαν στη Νέα Υόρκη χωρίς αποτέλεσμα.",
    "В четверг сирийская армия объявила о новом наступлении на Алеппо.",
    "أعلن الجيش السوري يوم الخميس عن هجوم جديد على الأحياء الشرقية في حلب.",
    "שרי החוץ נפגשו בניו יורק, אך השיחות על סוריה נכשלו.",
    "सीरियाई सेना ने गुरुवार को अलेप्पो पर नए हमले की घोषणा की।",
    "叙利亚军队周四宣布对阿勒颇东部发动新的攻势，外交官未能恢复停火。",
    "シリア軍は木曜日、アレッポ東部への新たな攻勢を発表した。",
    "시리아군은 목요일 알레포 동부에 대한 새로운 공세를 발표했다.",
    "Emoji too: 🎉👍🏽 and a family 👨‍👩‍👧 with a flag 🇸🇾.",
    "Math: ∀x ∈ ℝ, x² ≥ 0; ∑ 1/n² = π²/6 ≈ 1.645, and √2 ≠ 1.41.",
    "Prices: €5, £3.50, ¥100, ₹20, $7 and 3 € per kilo; 25 °C at 10:00.",
    "In mojibake, the pound sign £ shows up as Â£.",
    "The Portuguese names João, Conceição and SÃO PAULO keep their Ã.",
    "A TÍTULO DE EXEMPLO: AÇÃO, IRMÃ, MAÇÃ E PÃO.",
    "Ukrainian: дії, її, Київ; Russian: Рёбра, ёлка.",
    "Curly “quotes” and ‘single’ ones — with dashes – and an ellipsis…",
    "Ελληνικά ΆΈΉΊΌΎΏ, ΪΫ and ἀρχή.",
    "Spanish: ¿Dónde está? ¡Aquí! Año, niño, señor.",
    "Vietnamese: Tiếng Việt có dấu, phở bò, Hà Nội.",
];

/// Encodings a program misreading UTF-8 applies: the charmaps, and true Latin-1.
fn misreadings() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CHARMAPS.iter().map(|map| map.name).collect();
    names.push("latin-1");
    names
}

fn misread_as(encoding: &str, bytes: &[u8]) -> String {
    match encoding {
        "latin-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        name => misread(name, bytes),
    }
}

/// Whether a sentence misread can be expected back: not ASCII (nothing to misread), and not
/// a sentence quoting mojibake. Misread, that one shows two layers of the same damage side by
/// side (`the pound sign Â£ shows up as Ã‚Â£`), and which of them is the quotation cannot be
/// told: repair leaves it (see the mojibake tests).
fn misreadable(sentence: &str) -> bool {
    !sentence.is_ascii() && !sentence.contains("mojibake")
}

fn repair(text: &str) -> String {
    Repairer::default()
        .repair(text, false)
        .map_or_else(|| text.to_string(), |r| r.text)
}

#[test]
fn correct_sentences_pass_through_unchanged() {
    for sentence in SENTENCES {
        assert_eq!(repair(sentence), sentence);
    }
    let all = SENTENCES.join("\n");
    assert_eq!(repair(&all), all);
}

#[test]
fn sentences_misread_once_come_back() {
    for encoding in misreadings() {
        for sentence in SENTENCES {
            if !misreadable(sentence) {
                continue;
            }
            let garbled = misread_as(encoding, sentence.as_bytes());
            assert_eq!(repair(&garbled), sentence, "{encoding}: {garbled}");
        }
    }
}

#[test]
fn sentences_misread_twice_come_back() {
    for encoding in misreadings() {
        for sentence in SENTENCES {
            if !misreadable(sentence) {
                continue;
            }
            let once = misread_as(encoding, sentence.as_bytes());
            let twice = misread_as(encoding, once.as_bytes());
            assert_eq!(repair(&twice), sentence, "{encoding} twice: {twice}");
        }
    }
}

#[test]
fn a_document_mixing_mojibake_and_correct_text_is_fixed_line_by_line() {
    let correct = SENTENCES[1];
    let garbled = misread("windows-1252", SENTENCES[2].as_bytes());
    let document = format!("{correct}\n{garbled}\n{}", SENTENCES[20]);
    let expected = format!("{correct}\n{}\n{}", SENTENCES[2], SENTENCES[20]);
    assert_eq!(repair(&document), expected);
}

#[test]
fn a_short_line_with_a_signature_is_fixed_in_any_document() {
    // `Â£` is far more often damage than text: fixed alone too, unless the text quotes it.
    assert_eq!(repair("Price: Â£5"), "Price: £5");
    let document = "Theyâ€™re sure the cafÃ© will open.\nPrice: Â£5\nâ€œSoonâ€\u{9d}, they said.";
    assert_eq!(
        repair(document),
        "They’re sure the café will open.\nPrice: £5\n“Soon”, they said."
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn no_text_makes_repair_panic(text in any::<String>()) {
        let repairer = Repairer::default();
        if let Some(repaired) = repairer.repair(&text, true) {
            for change in &repaired.changes {
                prop_assert!(change.start <= change.end && change.end <= text.len());
                prop_assert!(text.is_char_boundary(change.start));
            }
        }
    }

    #[test]
    fn any_document_of_sentences_comes_back_from_misreading(
        picks in prop::collection::vec(0..SENTENCES.len(), 1..6),
        encoding in 0..CHARMAPS.len() + 1,
        layers in 1..=2usize,
    ) {
        let document: Vec<&str> = picks.iter().map(|&i| SENTENCES[i]).collect();
        let document = document.join("\n");
        prop_assume!(misreadable(&document));
        let encoding = misreadings()[encoding];
        let mut garbled = document.clone();
        for _ in 0..layers {
            garbled = misread_as(encoding, garbled.as_bytes());
        }
        prop_assert_eq!(repair(&garbled), document);
        prop_assert_eq!(repair(&repair(&garbled)), repair(&garbled));
    }

    #[test]
    fn mojibake_alphabets_make_no_panic(
        text in "[a-zA-Z0-9 .,\\n'\"&;#ÃÂâ€™œ©†Ð¿Ñ€Ñ‹Рё├⌐\u{a0}\u{9d}\u{85}\u{1b}\r]{0,80}"
    ) {
        if let Some(repaired) = Repairer::default().repair(&text, true) {
            prop_assert!(repaired.changes.iter().all(|c| c.end <= text.len()));
        }
    }
}

/// Accented letters of the Latin-1 Supplement and Latin Extended-A, and the typography news
/// sets next to them.
const LETTERS: &str = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿĀāĂăĄąĆćČčĎďĐđĒēĘęĚěĞğĪīİıĹĺĽľŁłŃńŇňŐőŒœŔŕŘřŚśŞşŠšŢţŤťŮůŰűŸŹźŻżŽž";
const PUNCTUATION: &str = "…“”‘’„‚«»‹›–—•·";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `Beyoncé…”`: a letter, then punctuation, is text, never the bytes of something else.
    #[test]
    fn a_letter_before_punctuation_is_never_changed(
        word in "[A-Za-z]{2,8}",
        letter in prop::sample::select(LETTERS.chars().collect::<Vec<_>>()),
        marks in prop::collection::vec(prop::sample::select(PUNCTUATION.chars().collect::<Vec<_>>()), 1..3),
        rest in "( [a-z]{1,8}){0,3}",
    ) {
        let marks: String = marks.into_iter().collect();
        let text = format!("“{word}{letter}{marks}{rest}.");
        prop_assert_eq!(repair(&text), text);
    }
}

#[test]
fn a_latin1_symbol_misread_alone_in_english_comes_back() {
    // Every Latin-1 symbol: `£` shows up as `Â£` (C2 A3 read as Windows-1252), in a sentence
    // that is otherwise clean. (Punctuation such as `«` after `Â` is taken only glued to a
    // word or number, as here.)
    for symbol in ('\u{A1}'..='\u{BF}').filter(|&c| c != '\u{AD}') {
        let clean = format!("The fund paid {symbol}790million to the council last year.");
        let garbled = misread("windows-1252", clean.as_bytes());
        assert_ne!(garbled, clean);
        assert_eq!(repair(&garbled), clean, "{garbled}");
    }
}

#[test]
fn a_latin1_symbol_misread_alone_comes_back_beside_correct_symbols() {
    // One misread symbol in a sentence that writes the same symbols correctly inside words
    // and numbers (`juga£`, `°pusės`, `!»`): those are text, not a quotation of the damage.
    for (garbled, clean) in [
        (
            "Kitab juga£ ios george Â£1.5million tokoh",
            "Kitab juga£ ios george £1.5million tokoh",
        ),
        (
            "statistika¥ įrašai 600Â°C °pusės bangos",
            "statistika¥ įrašai 600°C °pusės bangos",
        ),
        (
            "gang «shieldÂ» floor, «Oui !» dit-il",
            "gang «shield» floor, «Oui !» dit-il",
        ),
        (
            "«\u{a0}deliver\u{a0}Â» bitka číny!»",
            "«\u{a0}deliver\u{a0}» bitka číny!»",
        ),
    ] {
        assert_eq!(repair(garbled), clean, "{garbled}");
    }
    // Shown as a word of its own, the same damage is quoted and stays.
    for quoted in [
        "In mojibake, the pound sign £ shows up as Â£.",
        "The letter “é” shows as “Ã©” there.",
        "So café became cafÃ© on the old site.",
    ] {
        assert_eq!(repair(quoted), quoted);
    }
}

#[test]
fn a_grave_that_lost_its_no_break_space_inside_other_damage_comes_back() {
    // `à` (C3 A0) lost its no-break space right before another misread character: after a
    // lowercase letter it can only be `à` (the other bytes lost after C3 are capitals').
    assert_eq!(repair("Les délÃâ‚¬ prouvés."), "Les dél\u{e0}€ prouvés.");
    assert_eq!(repair("Il y a déjÃÂ½ fait."), "Il y a déjà½ fait.");
}

#[test]
fn a_grave_that_lost_its_no_break_space_after_a_misread_sign_comes_back_with_the_sign() {
    // A word starting with `à` right after an opening quote, bracket or dash, misread as
    // Windows-1252 and its no-break spaces turned into spaces (`Â«Ã mplia`): the sign is
    // repaired too, not left beside the restored `à`.
    for open in ['«', '“', '‘', '„', '‹', '¿', '¡', '—', '–', '•', '·'] {
        for word in ["àmplia", "àrea", "àngel", "àmbit", "àlbum"] {
            let clean = format!("La ciutat és {open}{word} de la regió, diu l’alcalde.");
            let damaged = misread_nbsp_as_space(&clean);
            assert_eq!(repair(&damaged), clean, "{damaged}");
        }
    }
}

#[test]
fn a_one_letter_word_of_a_misread_phrase_comes_back_beside_english() {
    // Cyrillic misread whole: its one-letter word `М` is one sequence next to English words,
    // a coincidence alone, but the line's other runs decode to Cyrillic with the same
    // encoding.
    let clean = "Huge expected overall promised Неопходно М стани многуте.";
    let garbled = misread("windows-1252", clean.as_bytes());
    assert_eq!(repair(&garbled), clean);
    // Alone next to English, it stays.
    assert_eq!(repair("He promised Ðœ there."), "He promised Ðœ there.");
}

#[test]
fn a_restored_byte_is_evidence_for_the_weak_misreadings_beside_it() {
    // `Â·` glued to a word is no signature on its own; beside an `à` that lost its no-break
    // space, the text was misread as Windows-1252 and it is read as such too.
    assert_eq!(
        repair("Golfo orientale tweetÂ· fermato identitÃ  supporto"),
        "Golfo orientale tweet· fermato identità supporto"
    );
    assert_eq!(
        repair("Golfo orientale tweetÂ· fermato"),
        "Golfo orientale tweetÂ· fermato"
    );
    // `Ã` alone between two words with two spaces after it: `à` whose no-break space became
    // a space before the text's own.
    assert_eq!(
        repair("FazendoÂ· teatroÂ· Ã  civil."),
        "Fazendo· teatro· à civil."
    );
    // So is every other `Ã` the lost-byte fix takes for `à`: alone before a lone consonant,
    // glued to the start of a word, between words in capitals.
    for (garbled, clean) in [
        (
            "Chegou Ã s pressas, depois voltouÂ· mais tarde",
            "Chegou às pressas, depois voltou· mais tarde",
        ),
        (
            "Ele foi Ãs compras e voltouÂ· cedo",
            "Ele foi às compras e voltou· cedo",
        ),
        (
            "ELES VOLTARAM Ã ESCOLA E SAIRAMÂ· CEDO",
            "ELES VOLTARAM à ESCOLA E SAIRAM· CEDO",
        ),
    ] {
        assert_eq!(repair(garbled), clean);
    }
    // `Ã` before a real no-break space is no lost byte: a text quoting layers of mojibake keeps
    // the layer it quotes.
    assert!(repair("Two layers: à → Ã\u{a0} → ÃƒÂ\u{a0}.").ends_with("→ ÃƒÂ\u{a0}."));
}

/// UTF-8 misread as Windows-1252 (undefined bytes as C1 controls), every no-break space then
/// turned into a space.
fn misread_nbsp_as_space(text: &str) -> String {
    misread("windows-1252", text.as_bytes()).replace('\u{a0}', " ")
}

#[test]
fn a_letter_whose_last_byte_became_a_space_comes_back() {
    // `Р` is D0 A0, `Ơ` C6 A0, `Ạ` E1 BA A0: the A0 read as a no-break space, then a space.
    for text in [
        "Россия и Украина сегодня",
        "ПРЕЗИДЕНТ РОССИИ заявил",
        "ĐƯƠNG phố NẠN nhân ngày",
        "BẠ đèn và GƯƠNG mặt",
    ] {
        let damaged = misread_nbsp_as_space(text);
        assert_ne!(damaged, text);
        assert_eq!(repair(&damaged), text, "{damaged}");
    }
    // Icelandic capitals end in `Ð` before a space (`MEÐ`), and Scandinavian `Å` is a word:
    // left, even beside damage.
    for text in ["MEÐ ÞVÍ að cafÃ©", "Å ta en cafÃ©"] {
        assert_eq!(repair(text), text.replace("Ã©", "é"), "{text}");
    }
}

#[test]
fn a_grave_after_misread_letters_or_spaces_keeps_its_letter_before_a_lowercase_word() {
    // `Ã` ends a run of misread characters, its no-break space now a space: after a misread
    // lowercase letter (`Ä‘Ã m` for `đàm`) or space (`â€‰Ã  la` for ` à la`), before a
    // lowercase word, it is `à`, not a lead that lost its byte.
    for text in [
        "Bả world\u{2009}—\u{2009}đàm nha",
        "Bả thế\u{2009}—\u{2009}đàn ông",
        "Quỹ thế\u{2009}—\u{2009}đào tạo",
        "Il était\u{2009}—\u{2009}à la maison, déjà vu",
    ] {
        assert_eq!(repair(&misread_nbsp_as_space(text)), text);
    }
    // Before a word in capitals the same letters are as often correct capitals: left. (Not
    // `Ãª`, `Ãµ`, `Ãº`: an ordinal or micro sign after `Ã` is no capital's, and the run is
    // read as misread `ê`, `õ`, `ú` before an `à`.)
    for c in ('à'..='þ').filter(|c| c.is_lowercase() && !matches!(c, 'ê' | 'õ' | 'ú')) {
        let capitals = format!(
            "FOLGTE Ã{}Ã MARIE",
            &misread_nbsp_as_space(&c.to_string())[2..]
        );
        assert_eq!(repair(&capitals), capitals, "{c}");
    }
}

#[test]
fn a_lost_byte_glued_to_misread_punctuation_is_never_read_as_another_script() {
    // `à` whose no-break space was lost (`Ã` alone) glued to misread punctuation after a
    // word: MacRoman reads `Ãâ€º` as a combining hook on the word's last letter and an
    // Arabic letter (`r̉ۼ`), which is no reading of Latin text. Whatever else is done, no
    // letter of another script and no stranded mark comes out of Latin words.
    for word in ["Portar", "città", "velocit", "Cos", "perch"] {
        for punctuation in ["›", "‹", "”", "“", "’", "‘", "–", "—", "…", "•", "»", "«"]
        {
            let garbled = misread("windows-1252", format!("{punctuation} riu").as_bytes());
            let text = format!("La {word}Ã{garbled} tradició");
            let fixed = repair(&text);
            assert!(
                !fixed
                    .chars()
                    .any(|c| matches!(u32::from(c), 0x0300..=0x06FF)),
                "{text} -> {fixed}"
            );
        }
    }
}

#[test]
fn correct_capitals_before_punctuation_are_no_rare_combining_mark() {
    // A document that shows damage elsewhere (`Â°`, fixed) lets weak runs be read as misread
    // Windows-1252. `Ì` or `Í` and a sign (`Í…`, `Í` + no-break space, `Ì©`) form the bytes
    // of combining marks (U+0345, U+0360, U+0329) that decomposed text never puts on a Latin
    // letter: the capitals and their signs stay. Every such pair is tried.
    let mut tried = 0;
    for capital in ['Ì', 'Í'] {
        for sign in (0xA0..=0xBF_u8)
            .map(char::from)
            .chain(['…', '†', '‰', '™', '”'])
        {
            let Some(mark) = misread_back(&format!("{capital}{sign}")) else {
                continue;
            };
            use crate::repair::plausibility::{is_combining_mark, mark_sits_on};
            if !is_combining_mark(mark) || mark_sits_on(mark, 'N') {
                continue;
            }
            tried += 1;
            let text = format!("DU HRAD 1.5Â°C SVÉMU ROZLIŠEN{capital}{sign} VELKOU.");
            assert_eq!(
                repair(&text),
                format!("DU HRAD 1.5°C SVÉMU ROZLIŠEN{capital}{sign} VELKOU."),
                "{text}"
            );
        }
    }
    assert!(tried >= 30, "{tried}");
}

/// The character two characters stand for when they are UTF-8 read as Windows-1252, if any.
fn misread_back(pair: &str) -> Option<char> {
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(pair);
    if bad {
        return None;
    }
    let mut chars = std::str::from_utf8(&bytes).ok()?.chars();
    chars.next().filter(|_| chars.next().is_none())
}

#[test]
fn correct_capitals_before_a_sign_are_no_rare_letter() {
    // In a document that shows damage elsewhere (`Â¥`, fixed), a capitalised word ending in a
    // Latin-1 capital, then a quote or sign (`TYÖNTEKIJÄ”`), forms the bytes of a letter few
    // languages write (`Ĕ`, `Ɣ`, `ǔ`, `ɔ`) or of a lowercase one (`Ä©` → `ĩ`): the capital and
    // its sign stay. Every capital of Latin-1 with every sign of Windows-1252 whose pair forms
    // such a letter is tried; pairs forming a common capital (`Å½` → `Ž`), or a Vietnamese
    // letter after one capital (`DÄ©` → `Dĩ`), are still repaired there.
    let mut tried = 0;
    for capital in ('À'..='Þ').filter(|c| c.is_uppercase()) {
        for sign in (0xA0..=0xBF_u8)
            .map(char::from)
            .chain(['…', '†', '‰', '™', '”', '’', '–', '—', '•'])
        {
            let Some(letter) = misread_back(&format!("{capital}{sign}")) else {
                continue;
            };
            if sign.is_alphabetic()
                || !letter.is_alphabetic()
                || u32::from(letter) <= 0xFF
                || !letter.is_lowercase() && !letter.is_uppercase()
            {
                continue;
            }
            let text = format!("Oman Â¥45 tason „TYÖNTEKIJ{capital}{sign} arvot.");
            // Common letters are repaired there unless lowercase after capitals (`Ä©` → `ĩ`).
            let common = crate::repair::mojibake::everyday_letter(letter);
            if common && letter.is_uppercase()
                || letter == 'İ'
                || crate::repair::plausibility::script_of(letter)
                    != Some(crate::repair::plausibility::Script::Latin)
            {
                continue;
            }
            tried += 1;
            assert_eq!(
                repair(&text),
                format!("Oman ¥45 tason „TYÖNTEKIJ{capital}{sign} arvot."),
                "{text}"
            );
        }
    }
    assert!(tried >= 20, "{tried}");
    assert_eq!(repair("Oman Â¥45 MUÅ½ arvot."), "Oman ¥45 MUŽ arvot.");
    assert_eq!(
        repair("Oman Â¥45 DÄ© NHÅ¨ arvot."),
        "Oman ¥45 Dĩ NHŨ arvot."
    );
}
