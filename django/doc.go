// Package django is the vocabulary of a Django project that the rest of
// this module shares: which Django release to follow (Release), which SQL
// database the tables live in (Dialect), and the project-wide settings of
// settings.py (Settings: SECRET_KEY, SECRET_KEY_FALLBACKS, the release,
// DEFAULT_HASHING_ALGORITHM). It imports only the standard library.
//
// Write the settings once, from the values the Django project runs with,
// and give them to every constructor that needs them, through the Settings
// field of its Options:
//
//	settings := django.Settings{
//		SecretKey:          os.Getenv("DJANGO_SECRET_KEY"),
//		SecretKeyFallbacks: oldKeys,
//		Release:            django.Django42,
//	}
//	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: settings})
//	a, err := auth.New(users, &auth.Options{Settings: settings})
//
// A Release or Dialect read from configuration goes through ParseRelease
// or ParseDialect, whose errors match ErrUnknownRelease and
// ErrUnknownDialect.
package django
