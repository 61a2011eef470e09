#!/usr/bin/python3
"""Golden vectors for the hashers package, made by real Django.

Run with Debian's interpreter from the repository root:

    /usr/bin/python3 testdata/hashers_gen.py > testdata/hashers.json

It runs itself once under every Django release it finds (Debian's 3.2.25 and
the releases unpacked under $DJNEWER, default /tmp/djnewer, with the same
PYTHONPATH internal/testenv uses) and writes one JSON document. For each
release ("releases" -> "3.2", "4.2", "5.2", "6.1") it records:

  * the versions of Django, Python, argon2-cffi, bcrypt and OpenSSL;
  * "defaults": PASSWORD_HASHERS, the hasher classes the release ships and
    their class attributes (iterations, work factors, argon2-cffi's hash
    length);
  * "vectors": encoded passwords made by that release (make_password, a
    hasher's encode, argon2-cffi or the crypt module, as "made_by" says) or
    written by hand to probe an edge ("made_by": "edit"), each with what
    Django answers: check_password for the password ("check"), for a wrong
    password ("check_wrong"), for other passwords ("also"),
    is_password_usable, identify_hasher, must_update under the default
    PASSWORD_HASHERS (whose first entry, pbkdf2_sha256, is preferred) and
    the hasher's decode(). A Django exception is written "error:<class>".
    "expect_go" names the error the Go package must return where Django
    returns False for a malformed value or raises, or where the Go package
    deliberately differs (crypt methods it does not implement);
  * "session_auth": get_session_auth_hash() and the fallback hashes for a
    few password fields, SECRET_KEY and SECRET_KEY_FALLBACKS.

Every vector records the release that made it. Vectors for scrypt and for
the iteration counts of 4.2, 5.2 and 6.1 come from those releases, so
nothing in the file is derived by hand except the "edit" probes, whose
answers still come from Django.
"""
import json
import sys
import warnings

import djgen

SECRET = "django-insecure-hashers-vectors"
FALLBACK = "an-older-secret-key-in-fallbacks"
SALT = "seasalt1234567890abcde"  # 22 characters, as Django makes them
OLD_SALT = "oldsalt12345"  # 12 characters, as Django <= 3.1 made them
PASSWORDS = [
    "password",
    "",
    "p\u00e4ssw\u00f6rd \u2713 \u5bc6\u7801 \U0001f511",
    "x" * 100,
    "correct horse battery staple",
    "nul\x00inside",
]
WRONG = "wrong password"


def collect():
    out = {"generator": "testdata/hashers_gen.py", "python": sys.version.split()[0],
           "secret_key": SECRET, "fallback_key": FALLBACK, "releases": {}}
    for ver, sec in djgen.each_release(__file__):
        out["releases"][ver] = sec
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


def one():
    warnings.simplefilter("ignore")
    import django
    from django.conf import global_settings, settings

    from django.contrib.auth import hashers as H

    available = [name for name in (
        "PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher",
        "BCryptSHA256PasswordHasher", "BCryptPasswordHasher", "ScryptPasswordHasher",
        "SHA1PasswordHasher", "MD5PasswordHasher", "UnsaltedSHA1PasswordHasher",
        "UnsaltedMD5PasswordHasher", "CryptPasswordHasher") if hasattr(H, name)]
    default_list = list(global_settings.PASSWORD_HASHERS)
    every = default_list + ["django.contrib.auth.hashers." + n for n in available
                            if "django.contrib.auth.hashers." + n not in default_list]
    settings.configure(
        SECRET_KEY=SECRET,
        SECRET_KEY_FALLBACKS=[FALLBACK],
        PASSWORD_HASHERS=every,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
        DATABASES={},
    )
    django.setup()
    import argon2
    import bcrypt
    import ssl

    rel = ".".join(django.get_version().split(".")[:2])

    def algo_of(name):
        return getattr(H, name).algorithm

    defaults = {
        "password_hashers": [getattr(H, p.rsplit(".", 1)[1]).algorithm for p in default_list],
        "available": [algo_of(n) for n in available],
        "pbkdf2_iterations": H.PBKDF2PasswordHasher.iterations,
        "argon2": {"time_cost": H.Argon2PasswordHasher.time_cost,
                   "memory_cost": H.Argon2PasswordHasher.memory_cost,
                   "parallelism": H.Argon2PasswordHasher.parallelism,
                   "hash_len": argon2.DEFAULT_HASH_LENGTH},
        "bcrypt_rounds": H.BCryptSHA256PasswordHasher.rounds,
        "scrypt": None,
        "salt_length": len(H.PBKDF2PasswordHasher().salt()),
    }
    if hasattr(H, "ScryptPasswordHasher"):
        S = H.ScryptPasswordHasher
        defaults["scrypt"] = {"work_factor": S.work_factor, "block_size": S.block_size,
                              "parallelism": S.parallelism}

    def err(e):
        return "error:" + type(e).__name__

    def check(pw, enc):
        try:
            return H.check_password(pw, enc)
        except Exception as e:  # Django lets hasher exceptions through
            return err(e)

    def must_update(enc):
        try:
            h = H.identify_hasher(enc)
        except Exception as e:
            return err(e)
        preferred = H.get_hasher("default")
        try:
            return h.algorithm != preferred.algorithm or bool(preferred.must_update(enc))
        except Exception as e:
            return err(e)

    def decoded(enc):
        try:
            d = H.identify_hasher(enc).decode(enc)
        except Exception as e:
            return err(e)
        return {k: v for k, v in d.items() if isinstance(v, (str, int)) or v is None}

    def identify(enc):
        try:
            return H.identify_hasher(enc).algorithm
        except Exception as e:
            return err(e)

    vectors = []

    def add(label, pw, enc, made_by, also=(), expect_go=None, wrong=True):
        v = {"release": rel, "label": label, "made_by": made_by, "password": pw,
             "encoded": enc, "algorithm": identify(enc), "check": check(pw, enc),
             "usable": H.is_password_usable(enc), "must_update": must_update(enc),
             "decoded": decoded(enc)}
        if wrong:
            v["check_wrong"] = check(WRONG, enc)
        if also:
            v["also"] = [{"password": p, "check": check(p, enc)} for p in also]
        if expect_go:
            v["expect_go"] = expect_go
        vectors.append(v)
        return enc

    def make(label, pw, salt, hasher, **kw):
        try:
            enc = H.make_password(pw, salt, hasher)
        except Exception as e:
            vectors.append({"release": rel, "label": label, "made_by": "make_password",
                            "password": pw, "salt": salt.decode() if isinstance(salt, bytes) else salt,
                            "hasher": hasher, "make": err(e)})
            return None
        return add(label, pw, enc, "make_password", **kw)

    has = {algo_of(n) for n in available}
    pbkdf2_default = H.PBKDF2PasswordHasher.iterations

    # PBKDF2: the release's default cost, cheap costs, old and odd salts.
    for alg, cls in (("pbkdf2_sha256", H.PBKDF2PasswordHasher), ("pbkdf2_sha1", H.PBKDF2SHA1PasswordHasher)):
        make(f"{alg} default", "password", SALT, alg)
        for i, pw in enumerate(PASSWORDS):
            add(f"{alg} 1000 #{i}", pw, cls().encode(pw, SALT, 1000), "encode")
        add(f"{alg} old salt", "password", cls().encode("password", OLD_SALT, 1000), "encode")
        add(f"{alg} unicode salt", "password", cls().encode("password", "s\u00e4lt\u20ac", 1000), "encode")
        add(f"{alg} 1 iteration", "password", cls().encode("password", SALT, 1), "encode")
        add(f"{alg} 260000 (3.2 default)", "password", cls().encode("password", SALT, 260000), "encode")
    enc = H.PBKDF2PasswordHasher().encode("password", SALT, 1000)
    algo, it, salt, h = enc.split("$", 3)
    add("pbkdf2 tampered hash", "password", f"{algo}${it}${salt}${h[:-2]}A=", "edit")
    add("pbkdf2 leading zero iterations", "password", f"{algo}$0{it}${salt}${h}", "edit", expect_go="malformed")
    add("pbkdf2 zero iterations", "password", f"{algo}$0${salt}${h}", "edit", expect_go="malformed")
    add("pbkdf2 missing padding", "password", f"{algo}${it}${salt}${h.rstrip('=')}", "edit", expect_go="malformed")
    add("pbkdf2 empty salt", "password", f"{algo}${it}$${h}", "edit", expect_go="malformed")
    add("pbkdf2 three fields", "password", f"{algo}${it}${salt}", "edit", expect_go="malformed")

    # Argon2.
    A = H.Argon2PasswordHasher
    make("argon2 default", "password", SALT, "argon2")

    class CheapArgon2(A):
        time_cost = 1
        memory_cost = 256
        parallelism = 2

    for i, pw in enumerate(PASSWORDS):
        add(f"argon2 cheap #{i}", pw, CheapArgon2().encode(pw, SALT), "encode (t=1, m=256, p=2)")
    add("argon2 old salt", "password", CheapArgon2().encode("password", OLD_SALT), "encode (t=1, m=256, p=2)")
    ll = argon2.low_level
    for tname, t in (("argon2i", ll.Type.I), ("argon2d", ll.Type.D), ("argon2id", ll.Type.ID)):
        for ver in (16, 19):
            raw = ll.hash_secret(b"password", SALT.encode(), time_cost=2, memory_cost=64, parallelism=3,
                                 hash_len=24, type=t, version=ver).decode()
            add(f"{tname} v={ver} via argon2-cffi", "password", "argon2" + raw, "argon2-cffi hash_secret")
            if ver == 16:
                add(f"{tname} without v= (Argon2 1.0 encoding)", "password",
                    "argon2" + raw.replace("$v=16", ""), "argon2-cffi hash_secret, v= removed")
    raw = ll.hash_secret(b"password", SALT.encode(), time_cost=1, memory_cost=64, parallelism=2,
                         hash_len=16, type=ll.Type.ID, version=18).decode()
    add("argon2id v=18 (any version number)", "password", "argon2" + raw, "argon2-cffi hash_secret")
    raw = ll.hash_secret(b"password", SALT.encode(), time_cost=1, memory_cost=32, parallelism=4,
                         hash_len=32, type=ll.Type.ID).decode()
    add("argon2id m=8p, hash_len 32", "password", "argon2" + raw, "argon2-cffi hash_secret")
    base = CheapArgon2().encode("password", SALT)
    add("argon2 leading zero", "password", base.replace("m=256", "m=0256"), "edit", expect_go="malformed")
    add("argon2 parameter order", "password", base.replace("m=256,t=1", "t=1,m=256"), "edit", expect_go="malformed")
    add("argon2 padded hash", "password", base + "==", "edit", expect_go="malformed")
    add("argon2 trailing junk", "password", base + "$x", "edit", expect_go="malformed")
    add("argon2 memory below 8 per lane", "password", base.replace("m=256,t=1,p=2", "m=15,t=1,p=2"), "edit",
        expect_go="malformed")
    add("argon2 unknown variety", "password", base.replace("argon2$argon2id", "argon2$argon2x"), "edit",
        expect_go="malformed")
    add("argon2 short salt", "password",
        "argon2" + ll.hash_secret(b"password", b"12345678", time_cost=1, memory_cost=64, parallelism=1,
                                  hash_len=16, type=ll.Type.ID).decode().replace("$MTIzNDU2Nzg$", "$MTIzNDU2Nw$"),
        "edit", expect_go="malformed")

    # bcrypt_sha256 and bcrypt.
    fixed = "abcdefghijklmnopqrstuu"
    for alg in ("bcrypt_sha256", "bcrypt"):
        make(f"{alg} default (12)", "password", f"$2b$12${fixed}".encode(), alg, wrong=False)
        for i, pw in enumerate(PASSWORDS):
            make(f"{alg} 4 #{i}", pw, f"$2b$04${fixed}".encode(), alg)
        for prefix in ("2a", "2y"):
            make(f"{alg} ${prefix}$", "password", f"${prefix}$05${fixed}".encode(), alg)
        enc = make(f"{alg} 11", "password", f"$2b$11${fixed}".encode(), alg)
    edge = ["a" * 71, "a" * 72, "a" * 73, "\u00e9" * 36, "\u00e9" * 35 + "a" + "\u00e9", "b" * 200]
    for i, pw in enumerate(edge):
        for alg in ("bcrypt_sha256", "bcrypt"):
            make(f"{alg} 72-byte edge #{i}", pw, f"$2b$04${fixed}".encode(), alg,
                 also=[pw[:72], pw.encode()[:72].decode("utf-8", "ignore"), pw + "tail"])
    enc = H.make_password("password", f"$2b$04${fixed}".encode(), "bcrypt")
    add("bcrypt non-canonical salt", "password", enc.replace(fixed, fixed[:-1] + "v"), "edit",
        expect_go="malformed")
    add("bcrypt $2x$", "password", enc.replace("$2b$", "$2x$"), "edit", expect_go="malformed")
    add("bcrypt one-digit cost", "password", enc.replace("$04$", "$4$"), "edit", expect_go="malformed")
    add("bcrypt cost 03", "password", enc.replace("$04$", "$03$"), "edit", expect_go="malformed")
    add("bcrypt truncated", "password", enc[:-1], "edit", expect_go="malformed")
    add("bcrypt trailing junk", "password", enc + "x", "edit", expect_go="malformed")

    # scrypt (4.0+).
    if "scrypt" in has:
        S = H.ScryptPasswordHasher
        make("scrypt default", "password", SALT, "scrypt")
        for i, pw in enumerate(PASSWORDS):
            add(f"scrypt cheap #{i}", pw, S().encode(pw, SALT, 1024, 8, 1), "encode (N=1024, r=8, p=1)")
        add("scrypt p=2", "password", S().encode("password", SALT, 1024, 4, 2), "encode")
        add("scrypt old salt", "password", S().encode("password", OLD_SALT, 1024, 8, 1), "encode")
        add("scrypt N=65536 r=2 (just under 32 MiB)", "password", S().encode("password", SALT, 65536, 2, 1), "encode")
        add("scrypt N=32768 r=1", "password", S().encode("password", SALT, 32768, 1, 1), "encode")
        base = S().encode("password", SALT, 1024, 8, 1)
        a, n, s, r, p, h = base.split("$")
        add("scrypt N=131072 r=2 (over 32 MiB)", "password", f"{a}$131072${s}$2${p}${h}", "edit", expect_go="parameters")
        add("scrypt N=32768 r=8 (over 32 MiB)", "password", f"{a}$32768${s}$8${p}${h}", "edit", expect_go="parameters")
        add("scrypt N=16384 r=8 p=16383 (over 32 MiB)", "password", f"{a}$16384${s}$8$16383${h}", "edit",
            expect_go="parameters")
        add("scrypt N not a power of 2", "password", f"{a}$1000${s}${r}${p}${h}", "edit", expect_go="malformed")
        add("scrypt N=65536 r=1 (N >= 2^16r)", "password", f"{a}$65536${s}$1${p}${h}", "edit", expect_go="malformed")
        add("scrypt seven fields", "password", base + "$x", "edit", expect_go="malformed")
        add("scrypt tampered", "password", f"{a}${n}${s}${r}${p}${h[:-3]}A==", "edit")

    # Salted and unsalted digests.
    for alg in ("md5", "sha1"):
        if alg not in has:
            continue
        for i, pw in enumerate(PASSWORDS):
            make(f"{alg} #{i}", pw, SALT, alg)
        make(f"{alg} old salt", "password", OLD_SALT, alg)
        make(f"{alg} unicode salt", "password", "s\u00e4lt\u20ac", alg)
        make(f"{alg} random salt", "password", None, alg)
    if "md5" in has:
        enc = H.make_password("password", SALT, "md5")
        add("md5 uppercase hex", "password", enc.upper().replace("MD5$" + SALT.upper(), "md5$" + SALT), "edit",
            expect_go="malformed")
    if "unsalted_md5" in has:
        for i, pw in enumerate(PASSWORDS):
            enc = make(f"unsalted_md5 #{i}", pw, "", "unsalted_md5")
            add(f"unsalted_md5 md5$$ form #{i}", pw, "md5$$" + enc, "make_password, md5$$ prefixed")
        add("unsalted_md5 uppercase", "password", H.make_password("password", "", "unsalted_md5").upper(), "edit",
            expect_go="malformed")
    if "unsalted_sha1" in has:
        for i, pw in enumerate(PASSWORDS):
            make(f"unsalted_sha1 #{i}", pw, "", "unsalted_sha1")

    # crypt (<= 4.2): what Django makes (DES), and what the crypt module
    # reads when a stored value came from elsewhere.
    if "crypt" in has:
        import crypt as C
        for salt in ("ab", "./", "Zz", "9a"):
            make(f"crypt DES salt {salt}", "password", salt, "crypt", also=["password and more", "passwor"])
        for i, pw in enumerate(PASSWORDS):
            make(f"crypt DES #{i}", pw, "ab", "crypt")
        make("crypt DES 8-bit", "\u00e4\u00f6\u00fc\u00df", "xy", "crypt")
        settings_ = [
            ("md5crypt", "$1$saltsalt$"), ("md5crypt empty salt", "$1$$"), ("md5crypt long salt", "$1$saltsaltsalt$"),
            ("sha256crypt", "$5$saltstring$"), ("sha256crypt rounds", "$5$rounds=1000$saltstring$"),
            ("sha256crypt rounds=5000", "$5$rounds=5000$saltstring$"), ("sha512crypt", "$6$saltstring$"),
            ("sha512crypt rounds", "$6$rounds=1234$longsaltlongsaltlongsalt$"),
            ("bcrypt $2b$", f"$2b$04${fixed}"), ("bcrypt $2a$", f"$2a$04${fixed}"), ("bcrypt $2y$", f"$2y$04${fixed}"),
            ("bigcrypt", "abJnggxhB/yWIabcdefghijk"),
        ]
        for label, st in settings_:
            for i, pw in enumerate(["password", "", "p\u00e4ssw\u00f6rd \u2713", "y" * 90, "z" * 200]):
                add(f"crypt {label} #{i}", pw, "crypt$$" + C.crypt(pw, st), "crypt module")
        add("crypt DES 511-byte password", "x" * 511, "crypt$$" + C.crypt("x" * 511, "ab"), "crypt module",
            also=["x" * 512, "x" * 8])
        add("crypt yescrypt", "password", "crypt$$" + C.crypt("password", "$y$j9T$abcdefghijklmnop$"),
            "crypt module", expect_go="unsupported")
        add("crypt BSDi", "password", "crypt$$" + C.crypt("password", "_J9..abcd"), "crypt module",
            expect_go="unsupported")
        add("crypt failure token", "password", "crypt$$*0", "edit", expect_go="malformed")
        add("crypt empty", "password", "crypt$$", "edit", expect_go="malformed")
        add("crypt DES bad length", "password", "crypt$$abJnggxhB/yW", "edit", expect_go="malformed")
        add("crypt sha rounds too low", "password", "crypt$$" + C.crypt("password", "$5$rounds=1000$salt$")
            .replace("rounds=1000", "rounds=999"), "edit", expect_go="malformed")

    # Django's make_password with the default hasher and a random salt, as
    # set_password stores it.
    for i, pw in enumerate(PASSWORDS[:3]):
        make(f"make_password default #{i}", pw, None, "default")

    # Unusable passwords, unknown algorithms and other non-hashes.
    add("unusable", "password", H.make_password(None), "make_password(None)", expect_go="unusable")
    add("unusable short", "password", "!", "edit", expect_go="unusable")
    add("empty string", "password", "", "edit", expect_go="unknown")
    add("plaintext", "hunter2", "hunter2", "edit", expect_go="unknown")
    add("unknown algorithm", "password", "foo$bar$baz", "edit", expect_go="unknown")
    add("algorithm name only", "password", "pbkdf2_sha256", "edit", expect_go="malformed")
    add("32 characters", "password", "z" * 32, "edit",
        expect_go="malformed" if "unsalted_md5" in has else "unknown")

    unusable = [H.make_password(None) for _ in range(3)]

    # get_session_auth_hash, with SECRET_KEY and a fallback key.
    from django.contrib.auth.models import User
    auth = []
    for field in [H.PBKDF2PasswordHasher().encode("password", SALT, 1000), unusable[0], "",
                  "p\u00e4ssw\u00f6rd-field"]:
        u = User(password=field)
        e = {"release": rel, "password": field, "hash": u.get_session_auth_hash()}
        if hasattr(u, "get_session_auth_fallback_hash"):
            e["fallback_hashes"] = list(u.get_session_auth_fallback_hash())
        if hasattr(u, "_legacy_get_session_auth_hash"):
            e["legacy_sha1_hash"] = u._legacy_get_session_auth_hash()
            from django.test.utils import override_settings
            with override_settings(DEFAULT_HASHING_ALGORITHM="sha1"):
                e["default_hashing_algorithm_sha1_hash"] = u.get_session_auth_hash()
        auth.append(e)

    json.dump({
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "argon2_cffi": argon2.__version__,
        "bcrypt": bcrypt.__version__,
        "openssl": ssl.OPENSSL_VERSION,
        "defaults": defaults,
        "vectors": vectors,
        "unusable": unusable,
        "session_auth": auth,
    }, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--one"]:
        one()
    else:
        collect()
