package protocol

// LanguageCode is the client language of a command: its name in JSON
// headers, its code byte in binary headers.
type LanguageCode int16

// Language codes (code == Java ordinal).
const (
	Java   LanguageCode = 0
	CPP    LanguageCode = 1
	DotNet LanguageCode = 2
	Python LanguageCode = 3
	Delphi LanguageCode = 4
	Erlang LanguageCode = 5
	Ruby   LanguageCode = 6
	Other  LanguageCode = 7
	HTTP   LanguageCode = 8
	Go     LanguageCode = 9
	PHP    LanguageCode = 10
	OMS    LanguageCode = 11
	Rust   LanguageCode = 12
	NodeJS LanguageCode = 13 // 5.x only
	// LanguageUnknown stands for Java's null: a name or byte Java does not
	// know. JSON headers leave such a language out.
	LanguageUnknown LanguageCode = -1
)

var languageNames = [...]string{
	"JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER",
	"HTTP", "GO", "PHP", "OMS", "RUST", "NODE_JS",
}

// Known reports whether Java has a name for the code.
func (l LanguageCode) Known() bool { return l >= 0 && int(l) < len(languageNames) }

// String returns the Java enum name, or "null" (as Java prints it) when unknown.
func (l LanguageCode) String() string {
	if l.Known() {
		return languageNames[l]
	}
	return "null"
}

// ParseLanguage returns the code for a Java enum name; unknown names give
// LanguageUnknown and false.
func ParseLanguage(name string) (LanguageCode, bool) {
	for i, n := range languageNames {
		if n == name {
			return LanguageCode(i), true
		}
	}
	return LanguageUnknown, false
}

// LanguageFromByte maps a binary header's language byte; bytes Java does not
// know give LanguageUnknown.
func LanguageFromByte(b byte) LanguageCode {
	if int(b) < len(languageNames) {
		return LanguageCode(b)
	}
	return LanguageUnknown
}
