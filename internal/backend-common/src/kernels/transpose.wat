;; out = x^T for a row-major matrix of 4-byte elements (float32, int32),
;; [rows, columns] -> [columns, rows], with 128-bit SIMD: 4 x 4 blocks, four
;; rows loaded, turned by eight shuffles, stored as four columns. rows and
;; columns are multiples of 4.
;;
;; With rows a, b, c, d of a block:
;;   t0 = a0 b0 a1 b1    t1 = a2 b2 a3 b3    t2 = c0 d0 c1 d1    t3 = c2 d2 c3 d3
;;   column 0 = a0 b0 c0 d0 (t0, t2 low halves)    column 1 = a1 b1 c1 d1 (high halves)
;;   column 2 = a2 b2 c2 d2 (t1, t3 low halves)    column 3 = a3 b3 c3 d3 (high halves)
;; i8x16.shuffle picks bytes: 0-15 from its first operand, 16-31 from its second.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "transpose") (param $x i32) (param $out i32) (param $rows i32) (param $columns i32)
    (local $i i32) (local $j i32)
    (local $row_bytes i32)     ;; bytes per input row
    (local $column_bytes i32)  ;; bytes per output row
    (local $src i32) (local $dst i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $row_bytes (i32.mul (local.get $columns) (i32.const 4)))
    (local.set $column_bytes (i32.mul (local.get $rows) (i32.const 4)))
    (block $rows_done
      (loop $next_rows  ;; input rows, 4 at a time
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $columns_done
          (loop $next_columns  ;; input columns, 4 at a time
            (br_if $columns_done (i32.ge_u (local.get $j) (local.get $columns)))
            ;; src = x + (i C + j) 4, dst = out + (j R + i) 4
            (local.set $src
              (i32.add
                (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $row_bytes)))
                (i32.mul (local.get $j) (i32.const 4))))
            (local.set $dst
              (i32.add
                (i32.add (local.get $out) (i32.mul (local.get $j) (local.get $column_bytes)))
                (i32.mul (local.get $i) (i32.const 4))))
            (local.set $a (v128.load (local.get $src)))
            (local.set $b (v128.load (i32.add (local.get $src) (i32.mul (local.get $row_bytes) (i32.const 1)))))
            (local.set $c (v128.load (i32.add (local.get $src) (i32.mul (local.get $row_bytes) (i32.const 2)))))
            (local.set $d (v128.load (i32.add (local.get $src) (i32.mul (local.get $row_bytes) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
            (v128.store (local.get $dst)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $dst) (i32.mul (local.get $column_bytes) (i32.const 1)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $dst) (i32.mul (local.get $column_bytes) (i32.const 2)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $dst) (i32.mul (local.get $column_bytes) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $next_columns)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next_rows))))
)
