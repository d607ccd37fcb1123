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
;; $row_bytes is a multiple of 16 (callers check). Pointers are byte offsets.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  ;; exp(-|v|), and 0 where -|v| < -87.3 (below float32's normal range)
  (func $exp_neg_abs (param $v v128) (result v128)
    (local $neg_abs v128) (local $y v128) (local $n v128) (local $r v128)
    (local.set $neg_abs (f32x4.neg (f32x4.abs (local.get $v))))
    (local.set $y (f32x4.max (local.get $neg_abs) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $y) (v128.const f32x4 1.442695 1.442695 1.442695 1.442695))))
    (local.set $r
      (f32x4.sub
        (f32x4.sub (local.get $y) (f32x4.mul (local.get $n) (v128.const f32x4 0.69314575 0.69314575 0.69314575 0.69314575)))
        (f32x4.mul (local.get $n) (v128.const f32x4 1.4286068e-6 1.4286068e-6 1.4286068e-6 1.4286068e-6))))
    (v128.and
      (f32x4.mul
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
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23)))
      (f32x4.ge (local.get $neg_abs) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))))
  ;; log1p(e) for e in [0, 1], with one division: d = 1 / (1 + u), s = (u - 1) d, log1p(e) = 2 e d Q(s^2)
  (func $log1p_unit (param $e v128) (result v128)
    (local $u v128) (local $d v128) (local $s v128) (local $t v128)
    (local.set $u (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1)))
    (local.set $d (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (local.get $u) (v128.const f32x4 1 1 1 1))))
    (local.set $s (f32x4.mul (f32x4.sub (local.get $u) (v128.const f32x4 1 1 1 1)) (local.get $d)))
    (local.set $t (f32x4.mul (local.get $s) (local.get $s)))
    (f32x4.mul
      (f32x4.mul (f32x4.add (local.get $e) (local.get $e)) (local.get $d))
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
      (local.get $t)) (v128.const f32x4 1 1 1 1))))
  (func (export "bernoulli_rows")
    (param $x i32) (param $l i32) (param $dy i32) (param $out i32)
    (param $rows i32) (param $x_rows i32) (param $row_bytes i32) (param $gradient i32)
    (local $r i32) (local $xr i32) (local $i i32)
    (local $xp i32) (local $lp i32) (local $op i32)
    (local $xv v128) (local $lv v128) (local $e v128) (local $inv v128) (local $acc v128) (local $g v128)
    (local $xv2 v128) (local $lv2 v128) (local $e2 v128) (local $acc2 v128)
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $xr) (local.get $row_bytes))))
        (local.set $lp (i32.add (local.get $l) (i32.mul (local.get $r) (local.get $row_bytes))))
        (local.set $i (i32.const 0))
        (if (local.get $gradient)
          (then
            (local.set $g (v128.load32_splat (i32.add (local.get $dy) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $op (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $row_bytes))))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (local.get $row_bytes)))
                (local.set $lv (v128.load (i32.add (local.get $lp) (local.get $i))))
                (local.set $xv (v128.load (i32.add (local.get $xp) (local.get $i))))
                (local.set $e (call $exp_neg_abs (local.get $lv)))
                (local.set $inv (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1))))
                ;; dy (x - sigmoid(l)), sigmoid(l) = 1 / (1 + e) where l >= 0, else e / (1 + e)
                (v128.store (i32.add (local.get $op) (local.get $i))
                  (f32x4.mul
                    (local.get $g)
                    (f32x4.sub
                      (local.get $xv)
                      (v128.bitselect
                        (local.get $inv)
                        (f32x4.mul (local.get $e) (local.get $inv))
                        (f32x4.ge (local.get $lv) (v128.const f32x4 0 0 0 0))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $next))))
          (else
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $acc2 (v128.const f32x4 0 0 0 0))
            ;; two vectors an iteration (independent chains, so the core overlaps their latency), then one
            (block $pairs_done
              (loop $next_pair
                (br_if $pairs_done (i32.gt_u (i32.add (local.get $i) (i32.const 32)) (local.get $row_bytes)))
                (local.set $lv (v128.load (i32.add (local.get $lp) (local.get $i))))
                (local.set $xv (v128.load (i32.add (local.get $xp) (local.get $i))))
                (local.set $lv2 (v128.load offset=16 (i32.add (local.get $lp) (local.get $i))))
                (local.set $xv2 (v128.load offset=16 (i32.add (local.get $xp) (local.get $i))))
                (local.set $e (call $exp_neg_abs (local.get $lv)))
                (local.set $e2 (call $exp_neg_abs (local.get $lv2)))
                (local.set $acc
                  (f32x4.add
                    (local.get $acc)
                    (f32x4.sub
                      (f32x4.sub (f32x4.mul (local.get $xv) (local.get $lv)) (f32x4.max (local.get $lv) (v128.const f32x4 0 0 0 0)))
                      (call $log1p_unit (local.get $e)))))
                (local.set $acc2
                  (f32x4.add
                    (local.get $acc2)
                    (f32x4.sub
                      (f32x4.sub (f32x4.mul (local.get $xv2) (local.get $lv2)) (f32x4.max (local.get $lv2) (v128.const f32x4 0 0 0 0)))
                      (call $log1p_unit (local.get $e2)))))
                (local.set $i (i32.add (local.get $i) (i32.const 32)))
                (br $next_pair)))
            (local.set $acc (f32x4.add (local.get $acc) (local.get $acc2)))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (local.get $row_bytes)))
                (local.set $lv (v128.load (i32.add (local.get $lp) (local.get $i))))
                (local.set $xv (v128.load (i32.add (local.get $xp) (local.get $i))))
                ;; acc += x l - max(l, 0) - log1p(exp(-|l|))
                (local.set $acc
                  (f32x4.add
                    (local.get $acc)
                    (f32x4.sub
                      (f32x4.sub
                        (f32x4.mul (local.get $xv) (local.get $lv))
                        (f32x4.max (local.get $lv) (v128.const f32x4 0 0 0 0)))
                      (call $log1p_unit (call $exp_neg_abs (local.get $lv))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $next)))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))))
        ;; the next row of x, wrapping around: row r of l is paired with row r mod x_rows
        (local.set $xr (i32.add (local.get $xr) (i32.const 1)))
        (if (i32.eq (local.get $xr) (local.get $x_rows)) (then (local.set $xr (i32.const 0))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next_row))))
)
