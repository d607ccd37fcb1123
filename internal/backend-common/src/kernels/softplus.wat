;; softplus(x) = log(1 + e^x) for float32 with 128-bit SIMD, as
;;
;;   softplus(x) = max(x, 0) + log1p(e),   e = exp(-|x|) in (0, 1], 0 below float32's normal range
;;   exp(y)      = 2^n p(r),  n = round(y / ln 2),  r = y - n ln 2 (two-part ln 2),  p: degree-7 Taylor
;;   log1p(e)    = 2 e Q(s^2) / (1 + u),  u = 1 + e,  s = (u - 1) / (1 + u),  Q(t) = sum_k t^k / (2k + 1)
;;
;; The last line is log(u) = 2 atanh(s) times e / (u - 1), Goldberg's
;; correction for the rounding of u, so it stays exact in relative terms when
;; e is far below float32's epsilon. $bytes is a multiple of 16: the caller
;; finishes the tail. As in bernoulli-rows.wat, the constants live in locals
;; (V8 builds a v128.const anew at every use, three instructions) and four
;; vectors go in lockstep (lanes a-d) so their dependent steps overlap; a lane
;; past the end takes the last vector again and writes the same value. The
;; arithmetic is the one-vector kernel's, so the results are its bits; 2^n is
;; built from the bits of n + 1.5 2^23, which is round(y log2(e)) exactly. Constants are float32, written to round-trip:
;; 1.442695 = log2(e); 0.69314575 + 1.4286068e-6 = ln 2, the first part 16
;; bits (n * 0.69314575 is exact for |n| <= 126); 1, 1, 0.5, ..., 0.0001984127
;; = 1 / k! for k = 0..7; 1, 0.33333334, ..., 0.07692308 = 1 / (2k + 1).
;; @lanes a b c d
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "softplus") (param $x i32) (param $out i32) (param $bytes i32)
    (local $i i32) (local $last i32)
    (local $at<lane> i32) (local $v<lane> v128) (local $y<lane> v128) (local $t<lane> v128) (local $n<lane> v128)  ;; @each
    (local $r<lane> v128) (local $p<lane> v128) (local $e<lane> v128) (local $u<lane> v128) (local $s<lane> v128) (local $neg_abs<lane> v128)  ;; @each
    (local $sign v128) (local $lowest v128) (local $log2e v128) (local $shifter v128) (local $ln2_hi v128) (local $ln2_lo v128) (local $bias v128)
    (local $zero v128) (local $one v128) (local $two v128) (local $half v128)
    (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $q1 v128) (local $q2 v128) (local $q3 v128) (local $q4 v128) (local $q5 v128) (local $q6 v128)
    (local.set $sign (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (local.set $lowest (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
    (local.set $log2e (v128.const f32x4 1.442695 1.442695 1.442695 1.442695))
    (local.set $shifter (v128.const f32x4 12582912 12582912 12582912 12582912))  ;; 1.5 2^23: adding it rounds to an integer
    (local.set $ln2_hi (v128.const f32x4 0.69314575 0.69314575 0.69314575 0.69314575))
    (local.set $ln2_lo (v128.const f32x4 1.4286068e-6 1.4286068e-6 1.4286068e-6 1.4286068e-6))
    (local.set $bias (v128.const i32x4 127 127 127 127))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $two (v128.const f32x4 2 2 2 2))
    (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $c3 (v128.const f32x4 0.16666667 0.16666667 0.16666667 0.16666667))
    (local.set $c4 (v128.const f32x4 0.041666668 0.041666668 0.041666668 0.041666668))
    (local.set $c5 (v128.const f32x4 0.008333334 0.008333334 0.008333334 0.008333334))
    (local.set $c6 (v128.const f32x4 0.0013888889 0.0013888889 0.0013888889 0.0013888889))
    (local.set $c7 (v128.const f32x4 0.0001984127 0.0001984127 0.0001984127 0.0001984127))
    (local.set $q1 (v128.const f32x4 0.33333334 0.33333334 0.33333334 0.33333334))
    (local.set $q2 (v128.const f32x4 0.2 0.2 0.2 0.2))
    (local.set $q3 (v128.const f32x4 0.14285715 0.14285715 0.14285715 0.14285715))
    (local.set $q4 (v128.const f32x4 0.11111111 0.11111111 0.11111111 0.11111111))
    (local.set $q5 (v128.const f32x4 0.09090909 0.09090909 0.09090909 0.09090909))
    (local.set $q6 (v128.const f32x4 0.07692308 0.07692308 0.07692308 0.07692308))
    (local.set $last (i32.sub (local.get $bytes) (i32.const 16)))
    (block $done
      (loop $next  ;; four vectors at a time
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $at<lane> (select (i32.add (local.get $i) (i32.const <offset>)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const <offset>)) (local.get $bytes))))  ;; @each
        (local.set $v<lane> (v128.load (i32.add (local.get $x) (local.get $at<lane>))))  ;; @each
        ;; y = max(-|x|, -87.3): below that e^y is not a normal float32 (and 2^n needs n >= -126); e is 0 there
        (local.set $neg_abs<lane> (v128.or (local.get $v<lane>) (local.get $sign)))  ;; @each
        (local.set $y<lane> (f32x4.max (local.get $neg_abs<lane>) (local.get $lowest)))  ;; @each
        ;; n = round(y log2(e)), in the low bits of t = y log2(e) + 1.5 2^23
        (local.set $t<lane> (f32x4.add (f32x4.mul (local.get $y<lane>) (local.get $log2e)) (local.get $shifter)))  ;; @each
        (local.set $n<lane> (f32x4.sub (local.get $t<lane>) (local.get $shifter)))  ;; @each
        (local.set $r<lane> (f32x4.sub (f32x4.sub (local.get $y<lane>) (f32x4.mul (local.get $n<lane>) (local.get $ln2_hi))) (f32x4.mul (local.get $n<lane>) (local.get $ln2_lo))))  ;; @each
        ;; p(r) by Horner: 1 + r (1 + r (1/2 + r (1/6 + ... r (1/7!))))
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $c7) (local.get $r<lane>)) (local.get $c6)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c5)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c4)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c3)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $half)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $one)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $one)))  ;; @each
        ;; e = p(r) 2^n, 2^n from the exponent bits, and 0 where -|x| < -87.3
        (local.set $e<lane> (v128.and (f32x4.mul (local.get $p<lane>) (i32x4.shl (i32x4.add (local.get $t<lane>) (local.get $bias)) (i32.const 23))) (f32x4.ge (local.get $neg_abs<lane>) (local.get $lowest))))  ;; @each
        ;; u = 1 + e; s = (u - 1) / (1 + u); t = s^2
        (local.set $u<lane> (f32x4.add (local.get $e<lane>) (local.get $one)))  ;; @each
        (local.set $s<lane> (f32x4.div (f32x4.sub (local.get $u<lane>) (local.get $one)) (f32x4.add (local.get $u<lane>) (local.get $one))))  ;; @each
        (local.set $s<lane> (f32x4.mul (local.get $s<lane>) (local.get $s<lane>)))  ;; @each
        ;; Q(t) by Horner: 1 + t (1/3 + t (1/5 + ... t (1/13)))
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $q6) (local.get $s<lane>)) (local.get $q5)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q4)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q3)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q2)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q1)))  ;; @each
        (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $one)))  ;; @each
        ;; out = max(x, 0) + 2 e Q(t) / (1 + u)
        (v128.store (i32.add (local.get $out) (local.get $at<lane>)) (f32x4.add (f32x4.max (local.get $v<lane>) (local.get $zero)) (f32x4.div (f32x4.mul (f32x4.mul (local.get $two) (local.get $e<lane>)) (local.get $p<lane>)) (f32x4.add (local.get $u<lane>) (local.get $one)))))  ;; @each
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $next))))
)
