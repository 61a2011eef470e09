package messages

import "strconv"

// Level is a message's level, as django.contrib.messages.constants.
type Level int

// Django's message levels.
const (
	Debug   Level = 10
	Info    Level = 20
	Success Level = 25
	Warning Level = 30
	Error   Level = 40
)

// DefaultTags are Django's DEFAULT_TAGS: the CSS class name of each level.
// Options.Tags (MESSAGE_TAGS) is merged over them.
var DefaultTags = map[Level]string{
	Debug:   "debug",
	Info:    "info",
	Success: "success",
	Warning: "warning",
	Error:   "error",
}

// String returns the level's number.
func (l Level) String() string { return strconv.Itoa(int(l)) }

// Message is one flash message, as Django's storage.base.Message.
type Message struct {
	Level Level
	// Message is the text. When Safe is set it is HTML that Django's
	// templates show without escaping (mark_safe); otherwise it is plain
	// text that templates escape.
	Message string
	// ExtraTags are the extra CSS classes given to add_message, space
	// separated.
	ExtraTags string
	// Safe records Django's SafeData flag.
	Safe bool

	// noTags: the stored form had no extra_tags (Django's None), which
	// is written back the same way.
	noTags bool
	// tags are the Store's level tags; DefaultTags when nil.
	tags map[Level]string
}

// LevelTag returns the level's tag (Django's level_tag): "success" for
// Success with the default tags, "" for a level without one.
func (m Message) LevelTag() string {
	if m.tags == nil {
		return DefaultTags[m.Level]
	}
	return m.tags[m.Level]
}

// Tags returns the extra tags and the level tag, space separated, as
// Django's Message.tags.
func (m Message) Tags() string {
	lt := m.LevelTag()
	switch {
	case m.ExtraTags == "":
		return lt
	case lt == "":
		return m.ExtraTags
	}
	return m.ExtraTags + " " + lt
}

// String returns the message text.
func (m Message) String() string { return m.Message }
