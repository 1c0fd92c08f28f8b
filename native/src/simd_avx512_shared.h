// What the AVX-512 files share: the intrinsics header, lane masks and a vector exp. Included only by files compiled
// with the AVX-512 flags, before any other header that includes immintrin.h; the anonymous namespace gives each file
// its own copy.
#ifndef MOE_SRC_SIMD_AVX512_SHARED_H_
#define MOE_SRC_SIMD_AVX512_SHARED_H_

// GCC 12's AVX-512 headers build "undefined" registers as `__m512 __Y = __Y;`, which its own -Wuninitialized then
// reports wherever such an intrinsic (vcvtph2ps, the 256-bit extracts) is inlined (GCC bug 105593). The warning
// is silenced for the header's lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

namespace moe {
namespace {

// The first n (< 16) lanes.
inline __mmask16 FirstLanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by Cephes' degree-6 polynomial (about 1 ulp);
// vscalefps applies 2^n, giving 0 (or a subnormal) where the result leaves the float range instead of garbage.
inline __m512 Exp(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-104.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, n);
}

}  // namespace
}  // namespace moe

#endif  // MOE_SRC_SIMD_AVX512_SHARED_H_
