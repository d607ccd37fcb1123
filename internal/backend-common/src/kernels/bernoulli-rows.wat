;; The Bernoulli log-likelihood of a VAE's decoder, a row at a time, for
;; float32 with 128-bit SIMD: logits l [rows, width] against data x
;; [x_rows, width], row r of l paired with row r mod x_rows of x (so K samples
;; of a batch [K, n, width] share the batch's n rows of x).
;;
;;   $gradient = 0:  out[r]    = sum_j x l - max(l, 0) - log1p(e),  e = exp(-|l|)
;;   $gradient = 1:  out[r, j] = dy[r] (x - sigmoid(l)),  sigmoid(l) = 1 / (1 + e) for l >= 0, e / (1 + e) below
;;
;; x l - max(l, 0) - log1p(e) is x l - softplus(l), kept in that split so the
;; small term stays exact where x l and softplus(l) are large and equal.
;; exp and log1p are softplus.wat's (see there): e = 2^n p(r) with p of degree
;; 7, and log1p(e) = 2 e Q(s^2) / (1 + u), u = 1 + e, s = (u - 1) / (1 + u),
;; here with the one division 1 / (1 + u) shared by s and the last factor.
;; 2^n is built from the bits of n + 1.5 2^23 (n in the low mantissa bits).
;;
;; Speed: the steps run on four vectors in lockstep (lanes a-d, see @each in
;; scripts/wat.mjs), because one vector's chain of dependent steps (~130
;; cycles) left the core idle; the constants live in locals, because V8
;; builds a v128.const anew (three instructions) at every use; and the
;; `relaxed` variant evaluates the polynomials with fused multiply-adds.
;; Together 2.4x (forward) and 2.3x (gradient) faster than one vector at a
;; time with inline constants, measured here (2.0 and 1.5 ns a value on one
;; core). A lane past the row's end reads the row's last vector: the forward
;; sum leaves it out ($keep), and the gradient writes that vector's own value
;; again.
;;
;; $row_bytes is a multiple of 16 (callers check). Pointers are byte offsets.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "bernoulli_rows")
    (param $x i32) (param $l i32) (param $dy i32) (param $out i32)
    (param $rows i32) (param $x_rows i32) (param $row_bytes i32) (param $gradient i32)
    (local $row i32) (local $xr i32) (local $i i32) (local $last i32)
    (local $xp i32) (local $lp i32) (local $op i32) (local $g v128)
    ;; @lanes a b c d
    (local $at<lane> i32) (local $keep<lane> v128) (local $acc<lane> v128)  ;; @each
    (local $l<lane> v128) (local $x<lane> v128) (local $na<lane> v128) (local $y<lane> v128) (local $t<lane> v128)  ;; @each
    (local $r<lane> v128) (local $p<lane> v128) (local $e<lane> v128) (local $u<lane> v128) (local $d<lane> v128) (local $s<lane> v128)  ;; @each
    (local $sign v128) (local $lowest v128) (local $log2e v128) (local $shifter v128) (local $ln2_hi v128) (local $ln2_lo v128) (local $bias v128)
    (local $zero v128) (local $one v128) (local $half v128)
    (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $q1 v128) (local $q2 v128) (local $q3 v128) (local $q4 v128) (local $q5 v128) (local $q6 v128)
    (local.set $sign (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (local.set $lowest (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))  ;; exp below this is not a normal float32: 0
    (local.set $log2e (v128.const f32x4 1.442695 1.442695 1.442695 1.442695))
    (local.set $shifter (v128.const f32x4 12582912 12582912 12582912 12582912))  ;; 1.5 2^23: adding it rounds to an integer
    (local.set $ln2_hi (v128.const f32x4 0.69314575 0.69314575 0.69314575 0.69314575))
    (local.set $ln2_lo (v128.const f32x4 1.4286068e-6 1.4286068e-6 1.4286068e-6 1.4286068e-6))
    (local.set $bias (v128.const i32x4 127 127 127 127))  ;; float32's exponent bias
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $c3 (v128.const f32x4 0.16666667 0.16666667 0.16666667 0.16666667))  ;; 1 / k!
    (local.set $c4 (v128.const f32x4 0.041666668 0.041666668 0.041666668 0.041666668))
    (local.set $c5 (v128.const f32x4 0.008333334 0.008333334 0.008333334 0.008333334))
    (local.set $c6 (v128.const f32x4 0.0013888889 0.0013888889 0.0013888889 0.0013888889))
    (local.set $c7 (v128.const f32x4 0.0001984127 0.0001984127 0.0001984127 0.0001984127))
    (local.set $q1 (v128.const f32x4 0.33333334 0.33333334 0.33333334 0.33333334))  ;; 1 / (2k + 1)
    (local.set $q2 (v128.const f32x4 0.2 0.2 0.2 0.2))
    (local.set $q3 (v128.const f32x4 0.14285715 0.14285715 0.14285715 0.14285715))
    (local.set $q4 (v128.const f32x4 0.11111111 0.11111111 0.11111111 0.11111111))
    (local.set $q5 (v128.const f32x4 0.09090909 0.09090909 0.09090909 0.09090909))
    (local.set $q6 (v128.const f32x4 0.07692308 0.07692308 0.07692308 0.07692308))
    (local.set $last (i32.sub (local.get $row_bytes) (i32.const 16)))
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $xr) (local.get $row_bytes))))
        (local.set $lp (i32.add (local.get $l) (i32.mul (local.get $row) (local.get $row_bytes))))
        (local.set $op (i32.add (local.get $out) (i32.mul (local.get $row) (local.get $row_bytes))))
        (local.set $g (v128.load32_splat (i32.add (local.get $dy) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $acc<lane> (local.get $zero))  ;; @each
        (local.set $i (i32.const 0))
        (block $done
          (loop $next  ;; four vectors of the row
            (br_if $done (i32.ge_u (local.get $i) (local.get $row_bytes)))
            ;; the lane's vector, or the row's last one (left out of the sum) where the row ends first
            (local.set $at<lane> (select (i32.add (local.get $i) (i32.const <offset>)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const <offset>)) (local.get $row_bytes))))  ;; @each
            (local.set $l<lane> (v128.load (i32.add (local.get $lp) (local.get $at<lane>))))  ;; @each
            (local.set $x<lane> (v128.load (i32.add (local.get $xp) (local.get $at<lane>))))  ;; @each
            ;; e = exp(-|l|) = 2^n p(r): n = round(y log2(e)), r = y - n ln 2, y = max(-|l|, lowest)
            (local.set $na<lane> (v128.or (local.get $l<lane>) (local.get $sign)))  ;; @each
            (local.set $y<lane> (f32x4.pmax (local.get $lowest) (local.get $na<lane>)))  ;; @each
            (local.set $t<lane> (f32x4.add (f32x4.mul (local.get $y<lane>) (local.get $log2e)) (local.get $shifter)))  ;; @each
            (local.set $r<lane> (f32x4.sub (local.get $t<lane>) (local.get $shifter)))  ;; @each
            (local.set $r<lane> (f32x4.sub (f32x4.sub (local.get $y<lane>) (f32x4.mul (local.get $r<lane>) (local.get $ln2_hi))) (f32x4.mul (local.get $r<lane>) (local.get $ln2_lo))))  ;; @each
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $c7) (local.get $r<lane>)) (local.get $c6)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c5)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c4)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $c3)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $half)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $one)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $r<lane>)) (local.get $one)))  ;; @each ;; @if !relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $c7) (local.get $r<lane>) (local.get $c6)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $c5)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $c4)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $c3)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $half)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $one)))  ;; @each ;; @if relaxed
            (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $r<lane>) (local.get $one)))  ;; @each ;; @if relaxed
            ;; 2^n from n + 1.5 2^23's low bits (the shift drops the rest); 0 where -|l| < lowest
            (local.set $e<lane> (v128.and (f32x4.mul (local.get $p<lane>) (i32x4.shl (i32x4.add (local.get $t<lane>) (local.get $bias)) (i32.const 23))) (f32x4.ge (local.get $na<lane>) (local.get $lowest))))  ;; @each
            (if (local.get $gradient)
              (then
                ;; dy (x - sigmoid(l)), sigmoid(l) = 1 / (1 + e) where l >= 0, else e / (1 + e)
                (local.set $d<lane> (f32x4.div (local.get $one) (f32x4.add (local.get $e<lane>) (local.get $one))))  ;; @each
                (v128.store (i32.add (local.get $op) (local.get $at<lane>)) (f32x4.mul (local.get $g) (f32x4.sub (local.get $x<lane>) (v128.bitselect (local.get $d<lane>) (f32x4.mul (local.get $e<lane>) (local.get $d<lane>)) (f32x4.ge (local.get $l<lane>) (local.get $zero))))))  ;; @each
              )
              (else
                ;; log1p(e) = 2 e d Q(s^2): u = 1 + e, d = 1 / (1 + u), s = (u - 1) d
                (local.set $u<lane> (f32x4.add (local.get $e<lane>) (local.get $one)))  ;; @each
                (local.set $d<lane> (f32x4.div (local.get $one) (f32x4.add (local.get $u<lane>) (local.get $one))))  ;; @each
                (local.set $s<lane> (f32x4.mul (f32x4.sub (local.get $u<lane>) (local.get $one)) (local.get $d<lane>)))  ;; @each
                (local.set $s<lane> (f32x4.mul (local.get $s<lane>) (local.get $s<lane>)))  ;; @each
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $q6) (local.get $s<lane>)) (local.get $q5)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q4)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q3)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q2)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $q1)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.add (f32x4.mul (local.get $p<lane>) (local.get $s<lane>)) (local.get $one)))  ;; @each ;; @if !relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $q6) (local.get $s<lane>) (local.get $q5)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $s<lane>) (local.get $q4)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $s<lane>) (local.get $q3)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $s<lane>) (local.get $q2)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $s<lane>) (local.get $q1)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.relaxed_madd (local.get $p<lane>) (local.get $s<lane>) (local.get $one)))  ;; @each ;; @if relaxed
                (local.set $p<lane> (f32x4.mul (f32x4.mul (f32x4.add (local.get $e<lane>) (local.get $e<lane>)) (local.get $d<lane>)) (local.get $p<lane>)))  ;; @each
                ;; acc += x l - max(l, 0) - log1p(e), where the lane is in the row
                (local.set $keep<lane> (i32x4.splat (i32.sub (i32.const 0) (i32.lt_u (i32.add (local.get $i) (i32.const <offset>)) (local.get $row_bytes)))))  ;; @each
                (local.set $acc<lane> (f32x4.add (local.get $acc<lane>) (v128.and (local.get $keep<lane>) (f32x4.sub (f32x4.sub (f32x4.mul (local.get $x<lane>) (local.get $l<lane>)) (f32x4.pmax (local.get $zero) (local.get $l<lane>))) (local.get $p<lane>)))))  ;; @each
              ))
            (local.set $i (i32.add (local.get $i) (i32.const 64)))
            (br $next)))
        (if (i32.eqz (local.get $gradient))
          (then
            (local.set $acca (f32x4.add (f32x4.add (local.get $acca) (local.get $accb)) (f32x4.add (local.get $accc) (local.get $accd))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 2)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acca)) (f32x4.extract_lane 1 (local.get $acca)))
                (f32.add (f32x4.extract_lane 2 (local.get $acca)) (f32x4.extract_lane 3 (local.get $acca)))))))
        ;; the next row of x, wrapping around: row r of l is paired with row r mod x_rows
        (local.set $xr (i32.add (local.get $xr) (i32.const 1)))
        (if (i32.eq (local.get $xr) (local.get $x_rows)) (then (local.set $xr (i32.const 0))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next_row))))
)
