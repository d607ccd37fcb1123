;; out[r] = sum_j x[r, j] for a row-major float32 matrix with 128-bit SIMD:
;; the sum over trailing axes (a loss summed over pixels, a whole gradient
;; summed for minimize's finiteness check). Four accumulators over 64 bytes,
;; then 16-byte steps; $row_bytes is a multiple of 16. The lanes change the
;; order of the additions, not their accuracy: each partial sum adds len / 16
;; of the elements.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "rowSums") (param $x i32) (param $out i32) (param $rows i32) (param $row_bytes i32)
    (local $r i32) (local $j i32) (local $end i32) (local $end64 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        ;; j: the row's first byte; end: past its last; end64: end rounded down to whole 64-byte groups
        (local.set $end
          (i32.add
            (local.tee $j (i32.mul (local.get $r) (local.get $row_bytes)))
            (local.get $row_bytes)))
        (local.set $end64
          (i32.sub (local.get $end) (i32.and (local.get $row_bytes) (i32.const 63))))
        (block $groups_done
          (loop $next_group
            (br_if $groups_done (i32.ge_u (local.get $j) (local.get $end64)))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (i32.add (local.get $x) (local.get $j)))))
            (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (i32.add (local.get $x) (local.get $j)))))
            (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (i32.add (local.get $x) (local.get $j)))))
            (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $next_group)))
        (block $tail_done
          (loop $next_tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next_tail)))
        (local.set $a0
          (f32x4.add
            (f32x4.add (local.get $a0) (local.get $a1))
            (f32x4.add (local.get $a2) (local.get $a3))))
        ;; out[r] = (lane 0 + lane 1) + (lane 2 + lane 3)
        (f32.store (i32.add (local.get $out) (i32.mul (local.get $r) (i32.const 4)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next_row))))
)
