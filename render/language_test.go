package render_test

import (
	"testing"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
)

func TestChooseLanguage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		available []string
		override  string
		person    string
		want      string
	}{
		{"NoVariants", nil, "fr", "de", ""},
		{"NothingAsked", []string{"fr"}, "", "", ""},
		{"PersonExact", []string{"fr", "de"}, "", "de", "de"},
		{"OverrideBeatsPerson", []string{"fr", "de"}, "fr", "de", "fr"},
		{"OverrideWithoutVariantFallsToPerson", []string{"fr", "de"}, "es", "de", "de"},
		{"NeitherMatches", []string{"fr", "de"}, "es", "it", ""},
		{"CaseInsensitive", []string{"pt-BR"}, "", "PT-br", "pt-BR"},
		{"UnderscoreIsHyphen", []string{"pt-BR"}, "", "pt_br", "pt-BR"},
		{"UnderscoreInVariant", []string{"pt_BR"}, "", "pt-BR", "pt_BR"},
		{"RegionalFallsBackToBase", []string{"fr", "de"}, "", "fr-CA", "fr"},
		{"ExactBeatsBase", []string{"fr", "fr-CA"}, "", "fr-CA", "fr-CA"},
		{"ExactBeatsBaseWhateverTheOrder", []string{"fr-CA", "fr"}, "", "fr_ca", "fr-CA"},
		{"BaseDoesNotMatchRegional", []string{"pt-BR"}, "", "pt", ""},
		{"OtherRegionFallsToBaseNotSibling", []string{"pt-BR", "pt"}, "", "pt-PT", "pt"},
		{"OtherRegionWithoutBase", []string{"pt-BR"}, "", "pt-PT", ""},
		{"ScriptThenLanguage", []string{"zh", "zh-Hant"}, "", "zh-Hant-TW", "zh-Hant"},
		{"ScriptThenLanguageBase", []string{"zh"}, "", "zh-Hant-TW", "zh"},
		{"PrivateUseDropped", []string{"en"}, "", "en-x-custom", "en"},
		{"OverrideBaseMatchBeatsPersonExact", []string{"fr", "de"}, "fr-CA", "de", "fr"},
		{"DefaultInListIgnored", []string{"", "fr"}, "", "", ""},
		{"EmptyTagNeverMatchesVariant", []string{"", "fr"}, "", "de", ""},
		{"SpellingFromAvailable", []string{"EN-gb"}, "en_GB", "", "EN-gb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, render.ChooseLanguage(tc.available, tc.override, tc.person))
		})
	}
}
