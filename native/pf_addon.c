/* The Node-API surface of the native backend: unpacks arguments (typed arrays zero-copy through
 * napi_get_typedarray_info) and calls the pf_* kernels. Shapes are validated by the TypeScript wrapper
 * (src/engine/checked.ts) before any call reaches here; this file only checks argument types. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

#include "pf_common.h"

#define MAXARGS 24

typedef struct {
  napi_env env;
  napi_value argv[MAXARGS];
  size_t argc;
  int failed;
} args_t;

static int get_args(napi_env env, napi_callback_info info, args_t *a, size_t want) {
  a->env = env;
  a->argc = MAXARGS;
  a->failed = 0;
  napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL);
  if (a->argc < want) {
    napi_throw_type_error(env, NULL, "prefloop-native: too few arguments");
    return 0;
  }
  return 1;
}

static void *typed(args_t *a, int i, napi_typedarray_type want, const char *what) {
  napi_typedarray_type type;
  size_t len;
  void *data = NULL;
  bool is;
  if (a->failed) return NULL;
  if (a->argv[i] == NULL || napi_is_typedarray(a->env, a->argv[i], &is) != napi_ok || !is ||
      napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL) != napi_ok || type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "prefloop-native: argument %d must be a %s", i, what);
    napi_throw_type_error(a->env, NULL, msg);
    a->failed = 1;
    return NULL;
  }
  return data;
}
#define F32(i) ((float *)typed(&A, i, napi_float32_array, "Float32Array"))
#define I32(i) ((int32_t *)typed(&A, i, napi_int32_array, "Int32Array"))

static double num(args_t *a, int i) {
  double v = 0;
  if (!a->failed && napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "prefloop-native: expected a number");
    a->failed = 1;
  }
  return v;
}
#define NUM(i) num(&A, i)
#define INT(i) ((int)num(&A, i))

static uint8_t *optional_u8(args_t *a, int i) {
  napi_valuetype t;
  napi_typeof(a->env, a->argv[i], &t);
  if (t == napi_null || t == napi_undefined) return NULL;
  return typed(a, i, napi_uint8_array, "Uint8Array or null");
}

#define FN(name, nargs) \
  static napi_value name(napi_env env, napi_callback_info info) { \
    args_t A; \
    if (!get_args(env, info, &A, nargs)) return NULL;
#define CALL(expr) \
  if (A.failed) return NULL; \
  expr; \
  return NULL; \
  }

/* matmul(a, b, c, m, n, k, transA, transB, alpha, beta, batch, strideA, strideB, strideC, offA, offB, offC) */
FN(js_matmul, 17)
float *a = F32(0), *b = F32(1), *c = F32(2);
int m = INT(3), n = INT(4), k = INT(5), ta = INT(6), tb = INT(7);
float alpha = (float)NUM(8), beta = (float)NUM(9);
int batch = INT(10);
long sA = (long)NUM(11), sB = (long)NUM(12), sC = (long)NUM(13), oA = (long)NUM(14), oB = (long)NUM(15),
     oC = (long)NUM(16);
CALL(for (int i = 0; i < batch; i++)
         pf_matmul(a + oA + i * sA, b + oB + i * sB, c + oC + i * sC, m, n, k, ta, tb, alpha, beta))

/* embedding(out, table, ids, N, C) */
FN(js_embedding_forward, 5)
CALL(pf_embedding_forward(F32(0), F32(1), I32(2), INT(3), INT(4)))
FN(js_embedding_backward, 5)
CALL(pf_embedding_backward(F32(0), F32(1), I32(2), INT(3), INT(4)))

FN(js_rmsnorm_forward, 7)
CALL(pf_rmsnorm_forward(F32(0), F32(1), F32(2), F32(3), INT(4), INT(5), (float)NUM(6)))
FN(js_rmsnorm_backward, 8)
CALL(pf_rmsnorm_backward(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), INT(6), INT(7)))
FN(js_layernorm_forward, 9)
CALL(pf_layernorm_forward(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), INT(6), INT(7), (float)NUM(8)))
FN(js_layernorm_backward, 10)
CALL(pf_layernorm_backward(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), F32(6), F32(7), INT(8), INT(9)))

/* rope(x, pos, cos, sin, N, H, HS, interleaved, sign) */
FN(js_rope, 9)
CALL(pf_rope_forward(F32(0), I32(1), F32(2), F32(3), INT(4), INT(5), INT(6), INT(7), (float)NUM(8)))

/* attention(forward?, q, k, v, out, lse, dout, dq, dk, dv, B, Tq, Tk, kStride, NH, NKV, HS, qPos0, keyMask, scale) */
FN(js_attention, 20)
int fwd = INT(0);
pf_attention_args p = {F32(1), F32(2), F32(3), F32(4), F32(5)};
if (!fwd) {
  p.dout = F32(6);
  p.dq = F32(7);
  p.dk = F32(8);
  p.dv = F32(9);
}
p.B = INT(10), p.Tq = INT(11), p.Tk = INT(12), p.kStride = INT(13), p.NH = INT(14), p.NKV = INT(15);
p.HS = INT(16), p.qPos0 = INT(17);
p.keyMask = A.failed ? NULL : optional_u8(&A, 18);
p.scale = (float)NUM(19);
if (!A.failed && p.HS > 512) {
  napi_throw_range_error(env, NULL, "prefloop-native: attention head size above 512");
  return NULL;
}
CALL(if (fwd) pf_attention_forward(&p); else pf_attention_backward(&p))

/* attentionDecode(q, k, v, kCache, vCache, out, rows, pos0, R, T, capacity, NH, NKV, HS, scale) */
FN(js_attention_decode, 15)
pf_decode_attention_args p = {F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), I32(6), I32(7)};
p.R = INT(8), p.T = INT(9), p.cap = INT(10), p.NH = INT(11), p.NKV = INT(12), p.HS = INT(13);
p.scale = (float)NUM(14);
CALL(pf_attention_decode(&p))

FN(js_swiglu_forward, 4)
CALL(pf_swiglu_forward(F32(0), F32(1), F32(2), (long)NUM(3)))
FN(js_swiglu_backward, 6)
CALL(pf_swiglu_backward(F32(0), F32(1), F32(2), F32(3), F32(4), (long)NUM(5)))
FN(js_gelu_forward, 3)
CALL(pf_gelu_forward(F32(0), F32(1), (long)NUM(2)))
FN(js_gelu_backward, 4)
CALL(pf_gelu_backward(F32(0), F32(1), F32(2), (long)NUM(3)))
FN(js_softmax_forward, 4)
CALL(pf_softmax_forward(F32(0), F32(1), INT(2), INT(3)))
FN(js_softmax_backward, 5)
CALL(pf_softmax_backward(F32(0), F32(1), F32(2), INT(3), INT(4)))
FN(js_lsg_forward, 6)
CALL(pf_logsoftmax_gather_forward(F32(0), F32(1), F32(2), I32(3), INT(4), INT(5)))
FN(js_lsg_backward, 7)
CALL(pf_logsoftmax_gather_backward(F32(0), F32(1), F32(2), F32(3), I32(4), INT(5), INT(6)))
FN(js_axpy, 4)
CALL(pf_axpy(F32(0), (float)NUM(1), F32(2), (long)NUM(3)))
FN(js_add, 4)
CALL(pf_add(F32(0), F32(1), F32(2), (long)NUM(3)))
FN(js_mul, 4)
CALL(pf_mul(F32(0), F32(1), F32(2), (long)NUM(3)))
FN(js_scale, 3)
CALL(pf_scale(F32(0), (float)NUM(1), (long)NUM(2)))
FN(js_adamw, 11)
CALL(pf_adamw(F32(0), F32(1), F32(2), F32(3), (long)NUM(4), NUM(5), NUM(6), NUM(7), NUM(8), NUM(9), INT(10)))

static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(env, info, &A, 2)) return NULL;
  float *x = F32(0);
  long n = (long)NUM(1);
  if (A.failed) return NULL;
  napi_value out;
  napi_create_double(env, pf_sum_squares(x, n), &out);
  return out;
}

static void set_fn(napi_env env, napi_value obj, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, obj, name, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  static int ready = 0;
  if (!ready) {
    pf_isa_init();
    const char *env_threads = getenv("PREFLOOP_THREADS");
    int threads = env_threads && atoi(env_threads) > 0 ? atoi(env_threads) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    pf_pool_init(threads);
    ready = 1;
  }
  set_fn(env, exports, "matmul", js_matmul);
  set_fn(env, exports, "embeddingForward", js_embedding_forward);
  set_fn(env, exports, "embeddingBackward", js_embedding_backward);
  set_fn(env, exports, "rmsnormForward", js_rmsnorm_forward);
  set_fn(env, exports, "rmsnormBackward", js_rmsnorm_backward);
  set_fn(env, exports, "layernormForward", js_layernorm_forward);
  set_fn(env, exports, "layernormBackward", js_layernorm_backward);
  set_fn(env, exports, "rope", js_rope);
  set_fn(env, exports, "attention", js_attention);
  set_fn(env, exports, "attentionDecode", js_attention_decode);
  set_fn(env, exports, "swigluForward", js_swiglu_forward);
  set_fn(env, exports, "swigluBackward", js_swiglu_backward);
  set_fn(env, exports, "geluForward", js_gelu_forward);
  set_fn(env, exports, "geluBackward", js_gelu_backward);
  set_fn(env, exports, "softmaxForward", js_softmax_forward);
  set_fn(env, exports, "softmaxBackward", js_softmax_backward);
  set_fn(env, exports, "logSoftmaxGatherForward", js_lsg_forward);
  set_fn(env, exports, "logSoftmaxGatherBackward", js_lsg_backward);
  set_fn(env, exports, "axpy", js_axpy);
  set_fn(env, exports, "add", js_add);
  set_fn(env, exports, "mul", js_mul);
  set_fn(env, exports, "scale", js_scale);
  set_fn(env, exports, "sumSquares", js_sum_squares);
  set_fn(env, exports, "adamw", js_adamw);
  napi_value v;
  napi_create_string_utf8(env, pf_isa_name(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "isa", v);
  napi_create_int32(env, pf_threads(), &v);
  napi_set_named_property(env, exports, "threads", v);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
