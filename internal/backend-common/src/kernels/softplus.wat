;; softplus(x) = log(1 + e^x) for float32 with 128-bit SIMD, as
;;
;;   softplus(x) = max(x, 0) + log1p(e),   e = exp(-|x|) in (0, 1], 0 below float32's normal range
;;   exp(y)      = 2^n p(r),  n = round(y / ln 2),  r = y - n ln 2 (two-part ln 2),  p: degree-7 Taylor
;;   log1p(e)    = 2 e Q(s^2) / (1 + u),  u = 1 + e,  s = (u - 1) / (1 + u),  Q(t) = sum_k t^k / (2k + 1)
;;
;; The last line is log(u) = 2 atanh(s) times e / (u - 1), Goldberg's
;; correction for the rounding of u, so it stays exact in relative terms when
;; e is far below float32's epsilon. $bytes is a multiple of 16: the caller
;; finishes the tail. Constants are float32, written to round-trip:
;; 1.442695 = log2(e); 0.69314575 + 1.4286068e-6 = ln 2, the first part 16
;; bits (n * 0.69314575 is exact for |n| <= 126); 1, 1, 0.5, ..., 0.0001984127
;; = 1 / k! for k = 0..7; 1, 0.33333334, ..., 0.07692308 = 1 / (2k + 1).
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "softplus") (param $x i32) (param $out i32) (param $bytes i32)
    (local $i i32)
    (local $v v128) (local $y v128) (local $n v128) (local $r v128) (local $e v128)
    (local $u v128) (local $s v128) (local $t v128) (local $neg_abs v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        ;; y = max(-|x|, -87.3): below that e^y is not a normal float32 (and 2^n needs n >= -126); e is 0 there
        (local.set $neg_abs (f32x4.neg (f32x4.abs (local.get $v))))
        (local.set $y (f32x4.max (local.get $neg_abs) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
        (local.set $n (f32x4.nearest (f32x4.mul (local.get $y) (v128.const f32x4 1.442695 1.442695 1.442695 1.442695))))
        (local.set $r
          (f32x4.sub
            (f32x4.sub (local.get $y) (f32x4.mul (local.get $n) (v128.const f32x4 0.69314575 0.69314575 0.69314575 0.69314575)))
            (f32x4.mul (local.get $n) (v128.const f32x4 1.4286068e-6 1.4286068e-6 1.4286068e-6 1.4286068e-6))))
        ;; e = p(r) 2^n, 2^n built from its exponent bits, and 0 where -|x| < -87.3
        (local.set $e
          (v128.and
            (f32x4.mul
              ;; p(r) by Horner: 1 + r (1 + r (1/2 + r (1/6 + ... r (1/7!))))
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
                (v128.const f32x4 0.0001984127 0.0001984127 0.0001984127 0.0001984127)
              (local.get $r)) (v128.const f32x4 0.0013888889 0.0013888889 0.0013888889 0.0013888889))
              (local.get $r)) (v128.const f32x4 0.008333334 0.008333334 0.008333334 0.008333334))
              (local.get $r)) (v128.const f32x4 0.041666668 0.041666668 0.041666668 0.041666668))
              (local.get $r)) (v128.const f32x4 0.16666667 0.16666667 0.16666667 0.16666667))
              (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5))
              (local.get $r)) (v128.const f32x4 1 1 1 1))
              (local.get $r)) (v128.const f32x4 1 1 1 1))
              (i32x4.shl
                (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127)))
                (i32.const 23)))
            (f32x4.ge (local.get $neg_abs) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))))
        ;; u = 1 + e; s = (u - 1) / (1 + u); t = s^2
        (local.set $u (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1)))
        (local.set $s
          (f32x4.div
            (f32x4.sub (local.get $u) (v128.const f32x4 1 1 1 1))
            (f32x4.add (local.get $u) (v128.const f32x4 1 1 1 1))))
        (local.set $t (f32x4.mul (local.get $s) (local.get $s)))
        ;; out = max(x, 0) + 2 e Q(t) / (1 + u)
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.add
            (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0))
            (f32x4.div
              (f32x4.mul
                (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $e))
                ;; Q(t) by Horner: 1 + t (1/3 + t (1/5 + ... t (1/13)))
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                  (v128.const f32x4 0.07692308 0.07692308 0.07692308 0.07692308)
                (local.get $t)) (v128.const f32x4 0.09090909 0.09090909 0.09090909 0.09090909))
                (local.get $t)) (v128.const f32x4 0.11111111 0.11111111 0.11111111 0.11111111))
                (local.get $t)) (v128.const f32x4 0.14285715 0.14285715 0.14285715 0.14285715))
                (local.get $t)) (v128.const f32x4 0.2 0.2 0.2 0.2))
                (local.get $t)) (v128.const f32x4 0.33333334 0.33333334 0.33333334 0.33333334))
                (local.get $t)) (v128.const f32x4 1 1 1 1)))
              (f32x4.add (local.get $u) (v128.const f32x4 1 1 1 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
