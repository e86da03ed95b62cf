/*
 * A compiled port of jieba 0.42's default cut (`Tokenizer.cut(text, HMM=True)`), written
 * so that its words are exactly plain jieba's: the same prefix dictionary (the Python dict
 * jieba itself uses), the same dynamic programme over log frequencies with the same ties,
 * the same HMM (Viterbi over B/E/M/S with jieba's tables) for runs of unknown characters,
 * and the same regular-expression splits, spelled out by hand. Whitespace is dropped, as
 * csbot's tokenizer does. Everything runs with the GIL held: the dictionaries are shared
 * with Python code that fills them lazily.
 *
 * Module: csbot.intents._native, type Segmenter(freq, total, start, trans, emit, force_split)
 * with cut(text) -> list[str] and add(entries) (more of the dictionary, as jieba's
 * FREQ.update); the dictionary is copied into a Table. tests/test_runtime.py checks the
 * identity.
 *
 * The module also counts a message's features (FeatureIndex.count; see
 * csbot.intents.features.feature_strings for what it counts) and does the classifier's
 * arithmetic (tfidf, softmax): the other per-message loops of csbot.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MIN_FLOAT (-3.14e100)

/* HMM states, numbered in the order of their letters so that "the larger letter wins a
 * tie", as in Python's max() over (probability, state) tuples, is "the larger index". */
enum { B = 0, E = 1, M = 2, S = 3 };
static const int PREVIOUS[4][2] = {
    [B] = {E, S},
    [E] = {B, M},
    [M] = {M, B},
    [S] = {S, E},
};

/* ---- a string table ---------------------------------------------------------------
 * Keys are sequences of code points, kept in one buffer; open addressing with linear
 * probing over FNV-1a hashes; keys are compared in full, so lookups are exact. Used for
 * jieba's prefix dictionary (word -> frequency, 0 for a prefix only) and for a model's
 * vocabulary (feature -> id): a lookup creates no Python string. */

#define FNV_START 1469598103934665603ULL

static inline uint64_t fnv_step(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}

static inline uint64_t fnv_finish(uint64_t h) { return h ^ (h >> 29); }

static uint64_t hash_code_points(const Py_UCS4 *key, Py_ssize_t length) {
    uint64_t h = FNV_START;
    for (Py_ssize_t i = 0; i < length; i++) h = fnv_step(h, key[i]);
    return fnv_finish(h);
}

/* 16 bytes a slot, so that more of the table stays in the caches. */
typedef struct {
    int64_t value;
    uint32_t tag;    /* the hash's high 32 bits (its low bits choose the slot) */
    uint32_t offset; /* in `keys`: the key's length, then its code points; EMPTY if free */
} Slot;

#define EMPTY UINT32_MAX

typedef struct {
    Slot *slots;
    size_t mask; /* capacity - 1 */
    Py_ssize_t size;
    Py_UCS4 *keys;
    Py_ssize_t keys_used, keys_capacity;
} Table;

static Slot *table_find(const Table *t, const Py_UCS4 *key, Py_ssize_t length, uint64_t h) {
    if (t->slots == NULL) return NULL;
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        Slot *slot = &t->slots[i];
        if (slot->offset == EMPTY) return NULL;
        if (slot->tag != tag) continue;
        const Py_UCS4 *stored = t->keys + slot->offset;
        if ((Py_ssize_t)stored[0] == length &&
            memcmp(stored + 1, key, (size_t)length * sizeof(Py_UCS4)) == 0)
            return slot;
    }
}

static void table_place(Slot *slots, size_t mask, uint64_t h, Slot slot) {
    size_t i = (size_t)h & mask;
    while (slots[i].offset != EMPTY) i = (i + 1) & mask;
    slots[i] = slot;
}

static int table_resize(Table *t, size_t capacity) {
    Slot *slots = PyMem_Malloc(capacity * sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < capacity; i++) slots[i].offset = EMPTY;
    if (t->slots != NULL) {
        for (size_t j = 0; j <= t->mask; j++) {
            if (t->slots[j].offset == EMPTY) continue;
            const Py_UCS4 *stored = t->keys + t->slots[j].offset;
            uint64_t h = hash_code_points(stored + 1, (Py_ssize_t)stored[0]);
            table_place(slots, capacity - 1, h, t->slots[j]);
        }
        PyMem_Free(t->slots);
    }
    t->slots = slots;
    t->mask = capacity - 1;
    return 0;
}

/* table[key] = value for a str key (a new key, or a new value for an old one). */
static int table_put(Table *t, PyObject *key, int64_t value) {
    if (!PyUnicode_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "keys must be str");
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(key), needed = t->keys_used + length + 2;
    if (needed >= (Py_ssize_t)EMPTY) {
        PyErr_SetString(PyExc_MemoryError, "too many characters in the table's keys");
        return -1;
    }
    if (needed > t->keys_capacity) {
        Py_ssize_t capacity = t->keys_capacity ? t->keys_capacity : 1024;
        while (needed > capacity) capacity *= 2;
        Py_UCS4 *keys = PyMem_Realloc(t->keys, (size_t)capacity * sizeof(Py_UCS4));
        if (keys == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->keys = keys;
        t->keys_capacity = capacity;
    }
    Py_UCS4 *place = t->keys + t->keys_used; /* written in place; kept only if new */
    place[0] = (Py_UCS4)length;
    if (PyUnicode_AsUCS4(key, place + 1, t->keys_capacity - t->keys_used - 1, 0) == NULL)
        return -1;
    uint64_t h = hash_code_points(place + 1, length);
    Slot *slot = table_find(t, place + 1, length, h);
    if (slot != NULL) {
        slot->value = value;
        return 0;
    }
    if (t->slots == NULL || (size_t)(t->size + 1) * 2 > t->mask + 1) {
        size_t capacity = t->slots == NULL ? 16 : (t->mask + 1) * 2;
        if (table_resize(t, capacity) < 0) return -1;
    }
    table_place(t->slots, t->mask, h, (Slot){value, (uint32_t)(h >> 32), (uint32_t)t->keys_used});
    t->keys_used += length + 1;
    t->size++;
    return 0;
}

/* Every item of a dict whose values are ints. */
static int table_update(Table *t, PyObject *items) {
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (PyDict_Next(items, &position, &key, &value)) {
        long long number = PyLong_AsLongLong(value);
        if (number == -1 && PyErr_Occurred()) return -1;
        if (table_put(t, key, (int64_t)number) < 0) return -1;
    }
    return 0;
}

static void table_free(Table *t) {
    PyMem_Free(t->slots);
    PyMem_Free(t->keys);
    *t = (Table){0};
}

/* A call's own buffer of code points: on the stack when small. Never kept in an object:
 * an allocation may run the garbage collector, whose finalizers may let another thread
 * call into the same object. */
typedef struct {
    Py_UCS4 small[256];
    Py_UCS4 *points;
} Buffer;

static Py_UCS4 *buffer_get(Buffer *buffer, Py_ssize_t length) {
    if (length <= 256) return buffer->points = buffer->small;
    buffer->points = PyMem_Malloc((size_t)length * sizeof(Py_UCS4));
    if (buffer->points == NULL) PyErr_NoMemory();
    return buffer->points;
}

static void buffer_free(Buffer *buffer) {
    if (buffer->points != buffer->small) PyMem_Free(buffer->points);
}

typedef struct {
    PyObject_HEAD
    Table freq;            /* word -> frequency (0 for prefixes only) */
    double logtotal;
    double start[4];
    double trans[4][4];    /* trans[from][to] */
    PyObject *emit[4];     /* dict: character -> float */
    PyObject *force_split; /* set of words the HMM must split into characters */
} Segmenter;

typedef struct {
    PyObject *text;
    int kind;
    const void *data;
    const Py_UCS4 *points; /* the same text as code points */
    PyObject *out;
} Cut;

static inline Py_UCS4 at(const Cut *c, Py_ssize_t i) { return PyUnicode_READ(c->kind, c->data, i); }

static inline int is_ascii_alnum(Py_UCS4 ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* jieba's re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-] */
static inline int is_block_char(Py_UCS4 ch) {
    return (ch >= 0x4E00 && ch <= 0x9FD5) || is_ascii_alnum(ch) || ch == '+' || ch == '#' ||
           ch == '&' || ch == '.' || ch == '_' || ch == '%' || ch == '-';
}

/* finalseg's re_han: [\u4E00-\u9FD5] */
static inline int is_han(Py_UCS4 ch) { return ch >= 0x4E00 && ch <= 0x9FD5; }

static int emit_slice(Cut *c, Py_ssize_t a, Py_ssize_t b) {
    PyObject *word = PyUnicode_Substring(c->text, a, b);
    if (word == NULL) return -1;
    int rc = PyList_Append(c->out, word);
    Py_DECREF(word);
    return rc;
}

static int emit_characters(Cut *c, Py_ssize_t a, Py_ssize_t b) {
    for (Py_ssize_t i = a; i < b; i++)
        if (emit_slice(c, i, i + 1) < 0) return -1;
    return 0;
}

/* freq.get(text[a:b], 0): the word's frequency, 0 for a prefix only or no entry. */
static int64_t frequency(const Segmenter *self, const Cut *c, Py_ssize_t a, Py_ssize_t b) {
    const Slot *slot =
        table_find(&self->freq, c->points + a, b - a, hash_code_points(c->points + a, b - a));
    return slot == NULL ? 0 : slot->value;
}

/* An HMM word, unless jieba was told to force-split it. */
static int emit_hmm_word(const Segmenter *self, Cut *c, Py_ssize_t a, Py_ssize_t b) {
    if (PySet_GET_SIZE(self->force_split) > 0) {
        PyObject *word = PyUnicode_Substring(c->text, a, b);
        if (word == NULL) return -1;
        int found = PySet_Contains(self->force_split, word);
        int rc = found < 0 ? -1 : found ? emit_characters(c, a, b) : PyList_Append(c->out, word);
        Py_DECREF(word);
        return rc;
    }
    return emit_slice(c, a, b);
}

/* emit_P[y].get(ch, MIN_FLOAT) for the four states, the character's key made once. */
static int emissions(const Segmenter *self, Py_UCS4 ch, double result[4]) {
    PyObject *key = PyUnicode_FromOrdinal((int)ch);
    if (key == NULL) return -1;
    int rc = 0;
    for (int y = 0; y < 4 && rc == 0; y++) {
        PyObject *value = PyDict_GetItemWithError(self->emit[y], key);
        if (value == NULL) {
            if (PyErr_Occurred()) rc = -1;
            result[y] = MIN_FLOAT;
            continue;
        }
        result[y] = PyFloat_AsDouble(value);
        if (result[y] == -1.0 && PyErr_Occurred()) rc = -1;
    }
    Py_DECREF(key);
    return rc;
}

/* finalseg.__cut: Viterbi over a run of Han characters text[a:b]. */
static int viterbi_cut(const Segmenter *self, Cut *c, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t n = b - a;
    double (*v)[4] = PyMem_Malloc(sizeof(double[4]) * (size_t)n);
    unsigned char (*back)[4] = PyMem_Malloc(sizeof(unsigned char[4]) * (size_t)n);
    unsigned char *states = PyMem_Malloc((size_t)n);
    int rc = -1;
    if (v == NULL || back == NULL || states == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double em[4];
    if (emissions(self, at(c, a), em) < 0) goto done;
    for (int y = 0; y < 4; y++) v[0][y] = self->start[y] + em[y];
    for (Py_ssize_t t = 1; t < n; t++) {
        if (emissions(self, at(c, a + t), em) < 0) goto done;
        for (int y = 0; y < 4; y++) {
            int p0 = PREVIOUS[y][0], p1 = PREVIOUS[y][1];
            double s0 = v[t - 1][p0] + self->trans[p0][y] + em[y];
            double s1 = v[t - 1][p1] + self->trans[p1][y] + em[y];
            int take1 = s1 > s0 || (s1 == s0 && p1 > p0);
            v[t][y] = take1 ? s1 : s0;
            back[t][y] = (unsigned char)(take1 ? p1 : p0);
        }
    }
    int state = v[n - 1][S] >= v[n - 1][E] ? S : E; /* max over (prob, 'E'), (prob, 'S') */
    for (Py_ssize_t t = n - 1; t >= 0; t--) {
        states[t] = (unsigned char)state;
        if (t > 0) state = back[t][state];
    }
    Py_ssize_t begin = 0, next = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (states[i] == B) {
            begin = i;
        } else if (states[i] == E) {
            if (emit_hmm_word(self, c, a + begin, a + i + 1) < 0) goto done;
            next = i + 1;
        } else if (states[i] == S) {
            if (emit_hmm_word(self, c, a + i, a + i + 1) < 0) goto done;
            next = i + 1;
        }
    }
    if (next < n && emit_hmm_word(self, c, a + next, b) < 0) goto done;
    rc = 0;
done:
    PyMem_Free(v);
    PyMem_Free(back);
    PyMem_Free(states);
    return rc;
}

/* finalseg's re_skip.split on a run without Han characters: ([a-zA-Z0-9]+(?:\.\d+)?%?)
 * matches and the stretches between them, each a word. */
static int skip_split(Cut *c, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t p = a;
    while (p < b) {
        Py_ssize_t q = p;
        if (is_ascii_alnum(at(c, p))) {
            while (q < b && is_ascii_alnum(at(c, q))) q++;
            if (q + 1 < b && at(c, q) == '.' && Py_UNICODE_ISDECIMAL(at(c, q + 1))) {
                q++;
                while (q < b && Py_UNICODE_ISDECIMAL(at(c, q))) q++;
            }
            if (q < b && at(c, q) == '%') q++;
        } else {
            while (q < b && !is_ascii_alnum(at(c, q))) q++;
        }
        if (emit_slice(c, p, q) < 0) return -1;
        p = q;
    }
    return 0;
}

/* finalseg.cut: Han runs through the HMM, the rest split by re_skip. */
static int hmm_cut(const Segmenter *self, Cut *c, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t p = a;
    while (p < b) {
        int han = is_han(at(c, p));
        Py_ssize_t q = p;
        while (q < b && is_han(at(c, q)) == han) q++;
        if ((han ? viterbi_cut(self, c, p, q) : skip_split(c, p, q)) < 0) return -1;
        p = q;
    }
    return 0;
}

/* The pending run of single characters in __cut_DAG. */
static int flush(const Segmenter *self, Cut *c, Py_ssize_t a, Py_ssize_t b) {
    if (b - a == 0) return 0;
    if (b - a == 1) return emit_slice(c, a, b);
    return frequency(self, c, a, b) ? emit_characters(c, a, b) : hmm_cut(self, c, a, b);
}

/* Tokenizer.__cut_DAG on a block text[s:e]: get_DAG and calc in one right-to-left pass
 * (calc only needs routes to the right), then the route with the HMM for unknown runs. */
static int cut_block(const Segmenter *self, Cut *c, Py_ssize_t s, Py_ssize_t e) {
    Py_ssize_t n = e - s;
    double *score = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    Py_ssize_t *end = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    int rc = -1;
    if (score == NULL || end == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    score[n] = 0.0;
    end[n] = 0;
    for (Py_ssize_t k = n - 1; k >= 0; k--) {
        int found = 0;
        double best = 0.0;
        Py_ssize_t best_end = k;
        uint64_t h = FNV_START; /* of text[s + k : s + i + 1], extended a character a step */
        for (Py_ssize_t i = k; i < n; i++) {
            h = fnv_step(h, c->points[s + i]);
            const Slot *slot = table_find(&self->freq, c->points + s + k, i - k + 1, fnv_finish(h));
            if (slot == NULL) break; /* not even a prefix of a word */
            if (slot->value == 0) continue; /* a prefix only */
            double candidate = log((double)slot->value) - self->logtotal + score[i + 1];
            if (!found || candidate >= best) { /* ties: the longer word, as max() does */
                best = candidate;
                best_end = i;
                found = 1;
            }
        }
        if (!found) best = 0.0 - self->logtotal + score[k + 1]; /* log(freq or 1) = 0 */
        score[k] = best;
        end[k] = best_end;
    }
    Py_ssize_t x = 0, pending = 0;
    while (x < n) {
        Py_ssize_t y = end[x] + 1;
        if (y - x > 1) {
            if (flush(self, c, s + pending, s + x) < 0) goto done;
            if (emit_slice(c, s + x, s + y) < 0) goto done;
            pending = y;
        }
        x = y;
    }
    if (flush(self, c, s + pending, s + n) < 0) goto done;
    rc = 0;
done:
    PyMem_Free(score);
    PyMem_Free(end);
    return rc;
}

static PyObject *Segmenter_cut(Segmenter *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "text must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), p = 0;
    Buffer buffer;
    Py_UCS4 *points = buffer_get(&buffer, n + 1);
    if (points == NULL || PyUnicode_AsUCS4(text, points, n + 1, 0) == NULL) {
        buffer_free(&buffer);
        return NULL;
    }
    Cut c = {text, PyUnicode_KIND(text), PyUnicode_DATA(text), points, PyList_New(0)};
    if (c.out == NULL) {
        buffer_free(&buffer);
        return NULL;
    }
    while (p < n) {
        Py_UCS4 ch = at(&c, p);
        if (is_block_char(ch)) {
            Py_ssize_t q = p;
            while (q < n && is_block_char(at(&c, q))) q++;
            if (cut_block(self, &c, p, q) < 0) goto fail;
            p = q;
        } else {
            /* outside blocks jieba yields each character; csbot drops whitespace */
            if (!Py_UNICODE_ISSPACE(ch) && emit_slice(&c, p, p + 1) < 0) goto fail;
            p++;
        }
    }
    buffer_free(&buffer);
    return c.out;
fail:
    buffer_free(&buffer);
    Py_DECREF(c.out);
    return NULL;
}

/* ---- feature counting ------------------------------------------------------------ */

/* A vocabulary (feature string -> id) as a Table, so that a message's features are looked
 * up without creating their strings. */
typedef struct {
    PyObject_HEAD
    Table table;
} FeatureIndex;

static Py_ssize_t find(const FeatureIndex *self, const Py_UCS4 *key, Py_ssize_t length) {
    const Slot *slot = table_find(&self->table, key, length, hash_code_points(key, length));
    return slot == NULL ? -1 : (Py_ssize_t)slot->value;
}

static int FeatureIndex_init(FeatureIndex *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"vocabulary", NULL};
    PyObject *vocabulary;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!:FeatureIndex", names, &PyDict_Type,
                                     &vocabulary))
        return -1;
    if (self->table.slots != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "FeatureIndex is already built");
        return -1;
    }
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (PyDict_Next(vocabulary, &position, &key, &value)) {
        Py_ssize_t id = PyLong_AsSsize_t(value);
        if (id == -1 && PyErr_Occurred()) return -1;
        if (id < 0) {
            PyErr_SetString(PyExc_ValueError, "vocabulary ids must not be negative");
            return -1;
        }
        if (table_put(&self->table, key, id) < 0) {
            if (PyErr_ExceptionMatches(PyExc_TypeError))
                PyErr_SetString(PyExc_TypeError, "vocabulary keys must be str");
            return -1;
        }
    }
    if (self->table.slots == NULL && table_resize(&self->table, 16) < 0) return -1;
    return 0;
}

static Py_ssize_t put_text(Py_UCS4 *out, PyObject *text, Py_ssize_t a, Py_ssize_t b) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = a; i < b; i++) out[i - a] = PyUnicode_READ(kind, data, i);
    return b - a;
}

static int add_count(PyObject *counts, Py_ssize_t id) {
    if (id < 0) return 0;
    PyObject *key = PyLong_FromSsize_t(id);
    if (key == NULL) return -1;
    PyObject *old = PyDict_GetItemWithError(counts, key);
    long n = 0;
    if (old != NULL) n = PyLong_AsLong(old);
    if ((old == NULL || n == -1) && PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *count = PyLong_FromLong(n + 1);
    int rc = count == NULL ? -1 : PyDict_SetItem(counts, key, count);
    Py_XDECREF(count);
    Py_DECREF(key);
    return rc;
}

static PyObject *FeatureIndex_count(FeatureIndex *self, PyObject *args) {
    PyObject *tokens, *chunks, *sizes;
    int bigrams;
    if (!PyArg_ParseTuple(args, "O!O!O!p:count", &PyList_Type, &tokens, &PyList_Type, &chunks,
                          &PyTuple_Type, &sizes, &bigrams))
        return NULL;
    if (self->table.slots == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "FeatureIndex was not initialized");
        return NULL;
    }
    Py_ssize_t n_tokens = PyList_GET_SIZE(tokens), longest = 0;
    for (Py_ssize_t i = 0; i < n_tokens; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        if (!PyUnicode_Check(token)) {
            PyErr_SetString(PyExc_TypeError, "tokens must be a list of str");
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(token) > longest) longest = PyUnicode_GET_LENGTH(token);
    }
    Py_ssize_t largest_n = 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(sizes); k++) {
        Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes, k));
        if (n == -1 && PyErr_Occurred()) return NULL;
        if (n < 1) {
            PyErr_SetString(PyExc_ValueError, "n-gram sizes must be positive");
            return NULL;
        }
        if (n > largest_n) largest_n = n;
    }
    for (Py_ssize_t c = 0; c < PyList_GET_SIZE(chunks); c++)
        if (!PyUnicode_Check(PyList_GET_ITEM(chunks, c))) {
            PyErr_SetString(PyExc_TypeError, "chunks must be a list of str");
            return NULL;
        }
    Buffer buffer; /* the key being looked up */
    Py_UCS4 *key = buffer_get(&buffer, 3 + 2 * longest + largest_n);
    if (key == NULL) return NULL;
    PyObject *counts = PyDict_New();
    if (counts == NULL) {
        buffer_free(&buffer);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n_tokens; i++) { /* w:word */
        PyObject *token = PyList_GET_ITEM(tokens, i);
        key[0] = 'w';
        key[1] = ':';
        Py_ssize_t length = 2 + put_text(key + 2, token, 0, PyUnicode_GET_LENGTH(token));
        if (add_count(counts, find(self, key, length)) < 0) goto fail;
    }
    for (Py_ssize_t i = 0; bigrams && i + 1 < n_tokens; i++) { /* b:left|right */
        PyObject *left = PyList_GET_ITEM(tokens, i), *right = PyList_GET_ITEM(tokens, i + 1);
        key[0] = 'b';
        key[1] = ':';
        Py_ssize_t length = 2 + put_text(key + 2, left, 0, PyUnicode_GET_LENGTH(left));
        key[length++] = '|';
        length += put_text(key + length, right, 0, PyUnicode_GET_LENGTH(right));
        if (add_count(counts, find(self, key, length)) < 0) goto fail;
    }
    for (Py_ssize_t c = 0; c < PyList_GET_SIZE(chunks); c++) { /* c:n-gram */
        PyObject *chunk = PyList_GET_ITEM(chunks, c);
        Py_ssize_t length = PyUnicode_GET_LENGTH(chunk);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(sizes); k++) {
            Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes, k));
            for (Py_ssize_t i = 0; i + n <= length; i++) {
                key[0] = 'c';
                key[1] = ':';
                put_text(key + 2, chunk, i, i + n);
                if (add_count(counts, find(self, key, 2 + n)) < 0) goto fail;
            }
        }
    }
    buffer_free(&buffer);
    return counts;
fail:
    buffer_free(&buffer);
    Py_DECREF(counts);
    return NULL;
}

static PyObject *FeatureIndex_len(FeatureIndex *self, PyObject *unused) {
    return PyLong_FromSsize_t(self->table.size);
}

static void FeatureIndex_dealloc(FeatureIndex *self) {
    PyTypeObject *type = Py_TYPE(self);
    table_free(&self->table);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static PyObject *FeatureIndex_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    return type->tp_alloc(type, 0); /* zeroed; __init__ builds the table */
}

static PyMethodDef FeatureIndex_methods[] = {
    {"count", (PyCFunction)FeatureIndex_count, METH_VARARGS,
     "count(tokens, chunks, sizes, bigrams) -> dict[int, int]: how often each feature of\n"
     "csbot's feature_strings(tokens, chunks, sizes, bigrams) that is in the vocabulary\n"
     "occurs, keyed by its id, in order of first occurrence."},
    {"size", (PyCFunction)FeatureIndex_len, METH_NOARGS, "size() -> number of features"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot FeatureIndex_slots[] = {
    {Py_tp_doc, "A vocabulary (feature string -> id) for counting a message's features."},
    {Py_tp_new, FeatureIndex_new},
    {Py_tp_init, FeatureIndex_init},
    {Py_tp_dealloc, FeatureIndex_dealloc},
    {Py_tp_methods, FeatureIndex_methods},
    {0, NULL},
};

static PyType_Spec FeatureIndex_spec = {
    "csbot.intents._native.FeatureIndex", sizeof(FeatureIndex), 0, Py_TPFLAGS_DEFAULT,
    FeatureIndex_slots,
};

/* ids/values (room for len(counts)) = the l2-normalized sublinear TF-IDF of counts; returns
 * how many, or -1 with an exception set. */
static Py_ssize_t tfidf_into(PyObject *counts, const double *idf, Py_ssize_t n_features,
                             Py_ssize_t *id_out, double *value_out) {
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "counts must be a dict of feature id -> count");
        return -1;
    }
    Py_ssize_t position = 0, k = 0;
    PyObject *key, *count;
    double squares = 0.0;
    while (PyDict_Next(counts, &position, &key, &count)) {
        Py_ssize_t i = PyLong_AsSsize_t(key);
        long c = PyLong_AsLong(count);
        if ((i == -1 || c == -1) && PyErr_Occurred()) return -1;
        if (i < 0 || i >= n_features || c < 1) {
            PyErr_SetString(PyExc_ValueError, "counts must map feature ids to positive counts");
            return -1;
        }
        double v = c > 1 ? (1.0 + log((double)c)) * idf[i] : idf[i];
        id_out[k] = i;
        value_out[k] = v;
        squares += v * v;
        k++;
    }
    double norm = sqrt(squares);
    if (norm > 0)
        for (Py_ssize_t j = 0; j < k; j++) value_out[j] /= norm;
    return k;
}

static int idf_buffer(PyObject *object, Py_buffer *idf) {
    if (PyObject_GetBuffer(object, idf, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (idf->itemsize != sizeof(double) || idf->format == NULL || strcmp(idf->format, "d") != 0) {
        PyErr_SetString(PyExc_TypeError, "idf must be a contiguous float64 buffer");
        PyBuffer_Release(idf);
        return -1;
    }
    return 0;
}

/* tfidf(counts, idf) -> (ids, values) as bytes of Py_ssize_t and double: sklearn's
 * sublinear TF-IDF, l2-normalized (LinearModel.vectorize_counts in Python). */
static PyObject *tfidf(PyObject *module, PyObject *args) {
    PyObject *counts, *idf_object;
    if (!PyArg_ParseTuple(args, "O!O:tfidf", &PyDict_Type, &counts, &idf_object)) return NULL;
    Py_buffer idf;
    if (idf_buffer(idf_object, &idf) < 0) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = PyDict_GET_SIZE(counts);
    PyObject *ids = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(Py_ssize_t));
    PyObject *values = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (ids != NULL && values != NULL &&
        tfidf_into(counts, idf.buf, idf.len / (Py_ssize_t)sizeof(double),
                   (Py_ssize_t *)PyBytes_AS_STRING(ids), (double *)PyBytes_AS_STRING(values)) >= 0)
        result = PyTuple_Pack(2, ids, values);
    Py_XDECREF(ids);
    Py_XDECREF(values);
    PyBuffer_Release(&idf);
    return result;
}

static int float64_buffer(PyObject *object, Py_buffer *view, int ndim, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != sizeof(double) || strcmp(view->format, "d") != 0 || view->ndim != ndim) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous %d-d float64 array", name, ndim);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* out[:n_classes] = softmax(b + v @ w[id]) for one message's n features. */
static int softmax_raw(const double *w, Py_ssize_t n_features, Py_ssize_t n_classes,
                       const double *b, const Py_ssize_t *id, const double *v, Py_ssize_t n,
                       double *out) {
    for (Py_ssize_t c = 0; c < n_classes; c++) out[c] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (id[k] < 0 || id[k] >= n_features) {
            PyErr_SetString(PyExc_ValueError, "a feature id is out of range");
            return -1;
        }
        const double *row = w + id[k] * n_classes;
        for (Py_ssize_t c = 0; c < n_classes; c++) out[c] += v[k] * row[c];
    }
    double top = out[0] + b[0];
    for (Py_ssize_t c = 0; c < n_classes; c++) {
        out[c] += b[c];
        if (out[c] > top) top = out[c];
    }
    double total = 0.0;
    for (Py_ssize_t c = 0; c < n_classes; c++) total += (out[c] = exp(out[c] - top));
    for (Py_ssize_t c = 0; c < n_classes; c++) out[c] /= total;
    return 0;
}

/* softmax_raw for one message's ids and values arrays. */
static int softmax_into(const double *w, Py_ssize_t n_features, Py_ssize_t n_classes,
                        const double *b, PyObject *ids_object, PyObject *values_object,
                        double *out) {
    Py_buffer ids, values;
    if (float64_buffer(values_object, &values, 1, "values") < 0) return -1;
    if (PyObject_GetBuffer(ids_object, &ids, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&values);
        return -1;
    }
    int rc = -1;
    Py_ssize_t n = values.shape[0];
    const char *f = ids.format;
    if (ids.itemsize != sizeof(Py_ssize_t) || ids.ndim != 1 || ids.shape[0] != n ||
        !(strcmp(f, "n") == 0 || strcmp(f, "l") == 0 || strcmp(f, "q") == 0))
        PyErr_SetString(PyExc_TypeError, "ids must be a contiguous intp array as long as values");
    else
        rc = softmax_raw(w, n_features, n_classes, b, ids.buf, values.buf, n, out);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&values);
    return rc;
}

/* softmax_counts(weights, intercept, idf, counts) -> bytes of float64, one row of class
 * probabilities per dict of feature counts: tfidf and softmax_rows in one pass, for
 * classify_many. */
static PyObject *softmax_counts(PyObject *module, PyObject *args) {
    PyObject *weights_object, *intercept_object, *idf_object, *rows;
    if (!PyArg_ParseTuple(args, "OOOO!:softmax_counts", &weights_object, &intercept_object,
                          &idf_object, &PyList_Type, &rows))
        return NULL;
    Py_buffer weights, intercept, idf;
    if (float64_buffer(weights_object, &weights, 2, "weights") < 0) return NULL;
    PyObject *result = NULL;
    Py_ssize_t *ids = NULL;
    double *values = NULL;
    if (float64_buffer(intercept_object, &intercept, 1, "intercept") < 0) goto release_weights;
    if (idf_buffer(idf_object, &idf) < 0) goto release_intercept;
    Py_ssize_t n_features = weights.shape[0], n_classes = weights.shape[1];
    if (intercept.shape[0] != n_classes || n_classes < 1 ||
        idf.len / (Py_ssize_t)sizeof(double) != n_features) {
        PyErr_SetString(PyExc_ValueError, "weights, intercept and idf do not match");
        goto release;
    }
    Py_ssize_t n_rows = PyList_GET_SIZE(rows), largest = 1;
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        PyObject *counts = PyList_GET_ITEM(rows, r);
        if (PyDict_Check(counts) && PyDict_GET_SIZE(counts) > largest)
            largest = PyDict_GET_SIZE(counts);
    }
    ids = PyMem_Malloc((size_t)largest * sizeof(Py_ssize_t));
    values = PyMem_Malloc((size_t)largest * sizeof(double));
    if (ids == NULL || values == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    result = PyBytes_FromStringAndSize(NULL, n_rows * n_classes * (Py_ssize_t)sizeof(double));
    if (result == NULL) goto release;
    double *out = (double *)PyBytes_AS_STRING(result);
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        Py_ssize_t n = tfidf_into(PyList_GET_ITEM(rows, r), idf.buf, n_features, ids, values);
        if (n < 0 || softmax_raw(weights.buf, n_features, n_classes, intercept.buf, ids, values,
                                 n, out + r * n_classes) < 0) {
            Py_CLEAR(result);
            break;
        }
    }
release:
    PyBuffer_Release(&idf);
release_intercept:
    PyBuffer_Release(&intercept);
release_weights:
    PyBuffer_Release(&weights);
    PyMem_Free(ids);
    PyMem_Free(values);
    return result;
}

/* softmax_rows(weights, intercept, ids, values) -> bytes of float64, one row of class
 * probabilities per message: the softmax of intercept + values[i] @ weights[ids[i]], where
 * ids and values are lists of arrays (LinearModel.probabilities[_many] in numpy). */
static PyObject *softmax_rows(PyObject *module, PyObject *args) {
    PyObject *weights_object, *intercept_object, *ids, *values;
    if (!PyArg_ParseTuple(args, "OOO!O!:softmax_rows", &weights_object, &intercept_object,
                          &PyList_Type, &ids, &PyList_Type, &values))
        return NULL;
    if (PyList_GET_SIZE(ids) != PyList_GET_SIZE(values)) {
        PyErr_SetString(PyExc_ValueError, "ids and values must be lists of the same length");
        return NULL;
    }
    Py_buffer weights, intercept;
    if (float64_buffer(weights_object, &weights, 2, "weights") < 0) return NULL;
    PyObject *result = NULL;
    if (float64_buffer(intercept_object, &intercept, 1, "intercept") < 0) goto release_weights;
    Py_ssize_t n_features = weights.shape[0], n_classes = weights.shape[1];
    if (intercept.shape[0] != n_classes || n_classes < 1) {
        PyErr_SetString(PyExc_ValueError, "intercept must have one value per class");
        goto release;
    }
    Py_ssize_t rows = PyList_GET_SIZE(ids);
    result = PyBytes_FromStringAndSize(NULL, rows * n_classes * (Py_ssize_t)sizeof(double));
    if (result == NULL) goto release;
    double *out = (double *)PyBytes_AS_STRING(result);
    for (Py_ssize_t r = 0; r < rows; r++) {
        if (softmax_into(weights.buf, n_features, n_classes, intercept.buf,
                         PyList_GET_ITEM(ids, r), PyList_GET_ITEM(values, r),
                         out + r * n_classes) < 0) {
            Py_CLEAR(result);
            break;
        }
    }
release:
    PyBuffer_Release(&intercept);
release_weights:
    PyBuffer_Release(&weights);
    return result;
}

static int int64_buffer(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *f = view->format;
    int integer = strcmp(f, "n") == 0 || strcmp(f, "l") == 0 || strcmp(f, "q") == 0;
    if (view->itemsize != itemsize || view->ndim != 1 || !integer) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous 1-d array of %zd-byte ints", name,
                     itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static Py_ssize_t lower_bound(const int64_t *keys, Py_ssize_t n, int64_t key) {
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* best_row(keys, weights, n_rows, start, end, ids, values) -> (row - start, score) or None:
 * FaqIndex.best_match's cosine scores over rows [start, end) of the index, whose sorted keys
 * are feature * n_rows + row; the first row with the highest score, None when no feature of
 * the message occurs in those rows. */
static PyObject *best_row(PyObject *module, PyObject *args) {
    PyObject *keys_object, *weights_object, *ids_object, *values_object;
    Py_ssize_t n_rows, start, end;
    if (!PyArg_ParseTuple(args, "OOnnnOO:best_row", &keys_object, &weights_object, &n_rows,
                          &start, &end, &ids_object, &values_object))
        return NULL;
    if (n_rows < 1 || start < 0 || end < start || end > n_rows) {
        PyErr_SetString(PyExc_ValueError, "rows must satisfy 0 <= start <= end <= n_rows");
        return NULL;
    }
    Py_buffer keys, weights, ids, values;
    if (int64_buffer(keys_object, &keys, 8, "keys") < 0) return NULL;
    PyObject *result = NULL;
    double *scores = NULL;
    if (float64_buffer(weights_object, &weights, 1, "weights") < 0) goto release_keys;
    if (int64_buffer(ids_object, &ids, sizeof(Py_ssize_t), "ids") < 0) goto release_weights;
    if (float64_buffer(values_object, &values, 1, "values") < 0) goto release_ids;
    if (weights.shape[0] != keys.shape[0] || values.shape[0] != ids.shape[0]) {
        PyErr_SetString(PyExc_ValueError, "keys/weights and ids/values must match in length");
        goto release;
    }
    scores = PyMem_Calloc((size_t)(end - start) + 1, sizeof(double));
    if (scores == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    const int64_t *key = keys.buf;
    const double *weight = weights.buf, *value = values.buf;
    const Py_ssize_t *id = ids.buf;
    Py_ssize_t n_keys = keys.shape[0], hits = 0;
    for (Py_ssize_t k = 0; k < ids.shape[0]; k++) {
        int64_t base = (int64_t)id[k] * n_rows;
        Py_ssize_t lo = lower_bound(key, n_keys, base + start);
        Py_ssize_t hi = lower_bound(key, n_keys, base + end);
        for (Py_ssize_t p = lo; p < hi; p++) scores[key[p] % n_rows - start] += weight[p] * value[k];
        hits += hi - lo;
    }
    if (hits == 0) {
        result = Py_NewRef(Py_None);
        goto release;
    }
    Py_ssize_t best = 0;
    for (Py_ssize_t r = 1; r < end - start; r++)
        if (scores[r] > scores[best]) best = r;
    result = Py_BuildValue("(nd)", best, scores[best]);
release:
    PyMem_Free(scores);
    PyBuffer_Release(&values);
release_ids:
    PyBuffer_Release(&ids);
release_weights:
    PyBuffer_Release(&weights);
release_keys:
    PyBuffer_Release(&keys);
    return result;
}

static PyMethodDef module_methods[] = {
    {"tfidf", tfidf, METH_VARARGS,
     "tfidf(counts, idf) -> (ids, values): the l2-normalized sublinear TF-IDF weights of\n"
     "feature counts, as bytes of Py_ssize_t ids and float64 values."},
    {"best_row", best_row, METH_VARARGS,
     "best_row(keys, weights, n_rows, start, end, ids, values) -> (row - start, score) or\n"
     "None: the FAQ index row most similar to a message (FaqIndex.best_match)."},
    {"softmax_counts", softmax_counts, METH_VARARGS,
     "softmax_counts(weights, intercept, idf, counts) -> bytes: float64 class probabilities,\n"
     "one row per dict of feature counts (tfidf, then softmax)."},
    {"softmax_rows", softmax_rows, METH_VARARGS,
     "softmax_rows(weights, intercept, ids, values) -> bytes: float64 class probabilities,\n"
     "one row per message: the softmax of intercept + values[i] @ weights[ids[i]], for lists\n"
     "ids and values of arrays."},
    {NULL, NULL, 0, NULL},
};

static int read_doubles(PyObject *seq, double *out, Py_ssize_t n, const char *name) {
    PyObject *fast = PySequence_Fast(seq, name);
    if (fast == NULL) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        PyErr_Format(PyExc_ValueError, "%s must have %zd numbers", name, n);
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (out[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static int Segmenter_init(Segmenter *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"freq", "total", "start", "trans", "emit", "force_split", NULL};
    PyObject *freq, *total, *start, *trans, *emit, *force_split;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!OOOOO!:Segmenter", names, &PyDict_Type,
                                     &freq, &total, &start, &trans, &emit, &PySet_Type,
                                     &force_split))
        return -1;
    double total_value = PyFloat_AsDouble(total);
    if (total_value == -1.0 && PyErr_Occurred()) return -1;
    if (!(total_value > 0)) {
        PyErr_SetString(PyExc_ValueError, "total must be positive");
        return -1;
    }
    if (read_doubles(start, self->start, 4, "start (B, E, M, S)") < 0) return -1;
    if (read_doubles(trans, &self->trans[0][0], 16, "trans (4 x 4, B E M S)") < 0) return -1;
    if (!PyTuple_Check(emit) || PyTuple_GET_SIZE(emit) != 4) {
        PyErr_SetString(PyExc_TypeError, "emit must be a tuple of 4 dicts (B, E, M, S)");
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        PyObject *table = PyTuple_GET_ITEM(emit, i);
        if (!PyDict_Check(table)) {
            PyErr_SetString(PyExc_TypeError, "emit must be a tuple of 4 dicts (B, E, M, S)");
            return -1;
        }
        Py_INCREF(table);
        Py_XSETREF(self->emit[i], table);
    }
    self->logtotal = log(total_value);
    if (table_update(&self->freq, freq) < 0) return -1;
    Py_INCREF(force_split);
    Py_XSETREF(self->force_split, force_split);
    return 0;
}

static void Segmenter_dealloc(Segmenter *self) {
    PyTypeObject *type = Py_TYPE(self);
    table_free(&self->freq);
    for (int i = 0; i < 4; i++) Py_XDECREF(self->emit[i]);
    Py_XDECREF(self->force_split);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static PyObject *Segmenter_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    Segmenter *self = (Segmenter *)type->tp_alloc(type, 0);
    return (PyObject *)self; /* fields are zeroed; __init__ fills them */
}

static PyObject *Segmenter_add(Segmenter *self, PyObject *entries) {
    if (!PyDict_Check(entries)) {
        PyErr_SetString(PyExc_TypeError, "entries must be a dict of word -> frequency");
        return NULL;
    }
    if (table_update(&self->freq, entries) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Segmenter_size(Segmenter *self, PyObject *unused) {
    return PyLong_FromSsize_t(self->freq.size);
}

static PyMethodDef Segmenter_methods[] = {
    {"cut", (PyCFunction)Segmenter_cut, METH_O,
     "cut(text) -> list[str]: jieba's words of text (HMM on), whitespace dropped."},
    {"add", (PyCFunction)Segmenter_add, METH_O,
     "add(entries): dictionary entries (word -> frequency, 0 for a prefix only) to use, as\n"
     "jieba's FREQ.update(entries) would."},
    {"size", (PyCFunction)Segmenter_size, METH_NOARGS, "size() -> number of entries"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Segmenter_slots[] = {
    {Py_tp_doc, "jieba's default cut over jieba's own dictionary and HMM tables."},
    {Py_tp_new, Segmenter_new},
    {Py_tp_init, Segmenter_init},
    {Py_tp_dealloc, Segmenter_dealloc},
    {Py_tp_methods, Segmenter_methods},
    {0, NULL},
};

static PyType_Spec Segmenter_spec = {
    "csbot.intents._native.Segmenter", sizeof(Segmenter), 0, Py_TPFLAGS_DEFAULT,
    Segmenter_slots,
};

static int module_exec(PyObject *module) {
    PyType_Spec *specs[] = {&Segmenter_spec, &FeatureIndex_spec};
    const char *names[] = {"Segmenter", "FeatureIndex"};
    for (int i = 0; i < 2; i++) {
        PyObject *type = PyType_FromSpec(specs[i]);
        if (type == NULL) return -1;
        if (PyModule_AddObject(module, names[i], type) < 0) {
            Py_DECREF(type);
            return -1;
        }
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {{Py_mod_exec, module_exec}, {0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_native",
    "csbot's per-message loops in C: jieba's default cut and feature counting.", 0,
    module_methods, module_slots,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModuleDef_Init(&module_def); }
