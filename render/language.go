package render

import "strings"

// ChooseLanguage returns which of a template's localized variants to use.
// available lists the variants' language tags, such as "fr" or "pt-BR"; the
// default variant is "" and need not be listed. The result is the variant for
// override if there is one, else the variant for person (the person's
// language), else "" for the default.
//
// A tag matches a variant case-insensitively, with "_" taken as "-"
// ("pt_br" matches "pt-BR"). A regional tag falls back to its less specific
// forms, subtag by subtag, when no variant matches it exactly: "fr-CA" matches
// a "fr" variant when there is no "fr-CA" one, and "zh-Hant-TW" tries
// "zh-Hant" before "zh". A base language never matches a regional variant:
// "pt" does not match "pt-BR". The result is spelled as in available.
func ChooseLanguage(available []string, override, person string) string {
	for _, want := range []string{override, person} {
		if v, ok := matchLanguage(available, want); ok {
			return v
		}
	}
	return ""
}

// matchLanguage returns the variant of available that best matches the tag
// want: the exact tag, else its prefixes from the longest.
func matchLanguage(available []string, want string) (string, bool) {
	for tag := normalizeTag(want); tag != ""; tag = parentTag(tag) {
		for _, a := range available {
			if a != "" && normalizeTag(a) == tag {
				return a, true
			}
		}
	}
	return "", false
}

// normalizeTag lower-cases a language tag, trims it and writes "_" as "-".
func normalizeTag(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}

// parentTag drops the last subtag of a normalized tag, and a single-letter
// extension subtag ("x", "u") left before it, as RFC 4647 lookup does; it
// returns "" after the base language.
func parentTag(tag string) string {
	i := strings.LastIndexByte(tag, '-')
	if i < 0 {
		return ""
	}
	tag = tag[:i]
	if j := strings.LastIndexByte(tag, '-'); j >= 0 && len(tag)-j == 2 {
		tag = tag[:j]
	}
	return strings.Trim(tag, "-")
}
